/**
 * `xray-edge daemon …`: a thin wrapper over startDaemon — parses the arguments, prints the listening
 * line, and on SIGINT/SIGTERM prints the unfinished traces and a summary, then exits 0.
 * Exit codes: 0 after a signal, 1 when the socket cannot be opened, 2 for a usage mistake.
 */
import { DAEMON_USAGE, UsageError, parseDaemonArgs } from "./args.ts";
import { formatAddress, startDaemon, type DaemonAddress, type DaemonStats } from "./server.ts";
import { type DaemonEndpoint, parseDaemonAddress } from "../../adapters/udp/address.ts";
import { loadSamplingRules, type SamplingService, type ServedRule, startSamplingService } from "./sampling.ts";

export function summaryLine(s: DaemonStats): string {
  let line = `xray-edge daemon: received ${s.received}, dropped ${s.dropped}, invalid ${s.invalid}, traces ${s.traces}`;
  if (s.unfinished > 0) {
    line += ` (${s.unfinished} unfinished: ${s.quiet} quiet, ${s.timedOut} timed out, ${s.evicted} evicted over --max-memory, ${s.stopped} open at stop)`;
  }
  line += `; kernel drops ${s.kernelDrops ?? "unknown"}`;
  if (s.forward) {
    const f = s.forward;
    line += `; forwarded ${f.forwarded}, failed ${f.failed}, unprocessed ${f.unprocessed}, dropped from queue ${f.droppedQueueFull}, timeouts ${f.timeouts}, retries ${f.retries}`;
  }
  return line;
}

/** `receive buffer 8388608 bytes (asked for 8388608)`, and why when it is less. */
export function receiveBufferLine(buffer: { requested: number; obtained: number | undefined }): string {
  if (buffer.obtained === undefined) return `xray-edge daemon: receive buffer unknown (asked for ${buffer.requested} bytes)`;
  const capped = buffer.obtained < buffer.requested ? "; the system allows no more (Linux: sysctl net.core.rmem_max)" : "";
  return `xray-edge daemon: receive buffer ${buffer.obtained} bytes (asked for ${buffer.requested}${capped})`;
}

/** host:port, IPv6 in brackets. */
const hostPort = (a: DaemonEndpoint): string => (a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`);

/**
 * The listening address from --address, else AWS_XRAY_DAEMON_ADDRESS: a bad value is named by
 * where it came from (the parser names the variable, which a flag's user never set).
 */
function parseAddress(flag: string | undefined): ReturnType<typeof parseDaemonAddress> {
  if (flag === undefined) return parseDaemonAddress();
  try {
    return parseDaemonAddress(flag);
  } catch (e) {
    throw new UsageError(`--address: ${(e as Error).message.replace(/^xray-edge: invalid AWS_XRAY_DAEMON_ADDRESS/, "not an address:")}`);
  }
}

export async function runDaemonCommand(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseDaemonArgs>;
  let address: DaemonAddress;
  let tcp: DaemonEndpoint;
  let rules: ServedRule[];
  try {
    args = parseDaemonArgs(argv);
    if (args.help) {
      process.stdout.write(DAEMON_USAGE);
      return 0;
    }
    const parsed = parseAddress(args.address);
    address = parsed.udp;
    tcp = parsed.tcp;
    rules = loadSamplingRules(args.samplingRules);
  } catch (e) {
    process.stderr.write(`xray-edge daemon: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof UsageError) process.stderr.write('Run "xray-edge daemon --help" for the options.\n');
    return 2;
  }

  // A closed pipe on stdout (e.g. `| head`) must not kill the daemon.
  process.stdout.on("error", () => {});
  process.stderr.on("error", () => {});

  let daemon: Awaited<ReturnType<typeof startDaemon>>;
  try {
    daemon = await startDaemon({
      address,
      json: args.json,
      quiet: args.quiet,
      settleMs: args.settleMs,
      traceTimeoutMs: args.traceTimeoutMs,
      maxMemoryBytes: args.maxMemoryBytes,
      receiveBufferBytes: args.receiveBufferBytes,
      ...(args.forward ? { forward: args.forward } : {}),
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const message = e instanceof Error ? e.message : String(e);
    if (typeof code === "string") {
      const hint = code === "EADDRINUSE" ? " (is another daemon running?)" : "";
      process.stderr.write(`xray-edge daemon: cannot listen on ${formatAddress(address)}: ${message}${hint}\n`);
    } else {
      process.stderr.write(`xray-edge daemon: ${message}\n`);
    }
    return 1;
  }
  const forwarding = args.forward
    ? `, forwarding to X-Ray in ${args.forward.region}${args.forward.endpoint ? ` at ${args.forward.endpoint}` : ""}`
    : "";
  process.stderr.write(`xray-edge daemon listening on ${formatAddress(daemon.address)}${forwarding}\n`);
  process.stderr.write(`${receiveBufferLine(daemon.receiveBuffer)}\n`);
  // The TCP half: sampling rules and targets. A port taken by something else costs only this.
  let sampling: SamplingService | undefined;
  try {
    sampling = await startSamplingService(tcp, rules);
    const source = args.samplingRules ? `from ${args.samplingRules}` : "(X-Ray's default rule)";
    process.stderr.write(`xray-edge daemon: sampling rules on tcp ${hostPort(sampling.address)}: ${rules.length} ${source}\n`);
  } catch (e) {
    process.stderr.write(`xray-edge daemon: no sampling service on tcp ${hostPort(tcp)}: ${e instanceof Error ? e.message : String(e)}\n`);
  }

  return new Promise<number>((resolve) => {
    let signalled = false;
    const onSignal = (): void => {
      if (signalled) {
        // A second signal while draining: leave now.
        process.stderr.write(`${summaryLine(daemon.stats())}\n`);
        resolve(0);
        return;
      }
      signalled = true;
      void sampling?.stop();
      void daemon.stop().then(
        () => {
          process.stderr.write(`${summaryLine(daemon.stats())}\n`);
          resolve(0);
        },
        (e: unknown) => {
          process.stderr.write(`xray-edge daemon: error while stopping: ${String(e)}\n${summaryLine(daemon.stats())}\n`);
          resolve(0);
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
