/**
 * Lambda records the function's own segment (origin `AWS::Lambda::Function`) under the ID it hands
 * the function as `Parent`; the function's subsegments hang from it. The emulator does the same
 * when it knows a daemon (AWS_XRAY_DAEMON_ADDRESS), so that a local trace is whole, its root
 * present, as it is in X-Ray. Only for invocations whose header says Sampled=1.
 */
import dgram from "node:dgram";
import { parseDaemonAddress } from "../../adapters/udp/address.ts";

const HEADER = '{"format": "json", "version": 1}\n';

export interface FunctionSegmentSender {
  send(traceHeader: string | null, requestId: string, startMs: number, endMs: number, failed: boolean): void;
  close(): void;
}

export function functionSegmentSender(address: string, functionName: string, arn: string): FunctionSegmentSender {
  const to = parseDaemonAddress(address).udp;
  const socket = dgram.createSocket(to.family === 6 ? "udp6" : "udp4");
  socket.on("error", () => {}); // no daemon listening: the trace simply has no root, as without this
  socket.unref();
  return {
    send(traceHeader, requestId, startMs, endMs, failed) {
      const root = /(?:^|;)\s*Root=([^;]+)/.exec(traceHeader ?? "")?.[1];
      const parent = /(?:^|;)\s*Parent=([^;]+)/.exec(traceHeader ?? "")?.[1];
      if (!root || !parent || !/(?:^|;)\s*Sampled=1(?:;|$)/.test(traceHeader ?? "")) return;
      const document = {
        name: functionName,
        id: parent,
        trace_id: root,
        start_time: startMs / 1000,
        end_time: Math.max(startMs, endMs) / 1000,
        origin: "AWS::Lambda::Function",
        resource_arn: arn,
        aws: { request_id: requestId },
        ...(failed ? { fault: true } : {}),
      };
      socket.send(HEADER + JSON.stringify(document), to.port, to.host, () => {});
    },
    close() {
      try {
        socket.close();
      } catch {
        // already closed
      }
    },
  };
}
