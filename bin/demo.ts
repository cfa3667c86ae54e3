/**
 * `npm run demo`: a sample handler traced locally, its trace shown as the daemon shows it. The
 * handler fetches from a local HTTP server (which checks the propagated trace header), opens
 * nested subsegments, adds an annotation and records a caught error. The datagrams go through the
 * daemon's own validation, assembly and waterfall, in this process: no network beyond loopback.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Tracer, Sampler, MemoryEmitter, type Segment } from "../core/index.ts";
import { Assembler, type AssembledTrace } from "./daemon/assembler.ts";
import { renderTrace, useColor } from "./daemon/waterfall.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The downstream service: answers with the trace header it received. */
async function startDownstream() {
  const server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ received: request.headers["x-amzn-trace-id"] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/inventory?sku=42` };
}

/** The traced handler: what a user's function looks like with xray-edge. */
async function handler(segment: Segment, inventoryUrl: string) {
  const validate = segment.beginSubsegment("validate-order");
  validate.addAnnotation("order_id", "A-1001");
  await sleep(3);
  validate.close();

  const call = segment.beginSubsegment("inventory", { namespace: "remote" });
  const response = await fetch(inventoryUrl, { headers: { "X-Amzn-Trace-Id": call.traceHeader } });
  const body = (await response.json()) as { received: string | null };
  call.setHttp({ request: { method: "GET", url: inventoryUrl.split("?")[0] }, response: { status: response.status } });
  call.addMetadata("propagated", body.received);
  call.close();

  const pricing = segment.beginSubsegment("pricing");
  const rules = pricing.beginSubsegment("load-rules");
  await sleep(2);
  rules.close();
  try {
    throw new RangeError("discount code expired");
  } catch (error) {
    pricing.addError(error); // caught and recorded: the order goes on at full price
  }
  await sleep(1);
  pricing.close();
  return { propagated: body.received === call.traceHeader };
}

async function main() {
  const { server, url } = await startDownstream();
  const emitter = new MemoryEmitter();
  // A local rules document that samples every request (the default keeps 1 per second, then 5%).
  const sampler = new Sampler({ rules: { version: 2, default: { fixed_target: 1, rate: 1 } } });
  const tracer = new Tracer({ serviceName: "checkout", emitter, sampler });
  const segment = tracer.beginSegment("checkout", { request: { method: "POST", urlPath: "/orders" } });
  const result = await handler(segment, url);
  segment.close();
  await tracer.flush();
  server.close();

  const traces: AssembledTrace[] = [];
  const assembler = new Assembler({ settleMs: 50, onTrace: (trace) => traces.push(trace) });
  for (const document of emitter.documents()) assembler.add(document);
  await sleep(100); // the assembler's grace period, as in the daemon
  assembler.flushAll();
  const columns = process.stdout.columns ?? 100;
  console.log(`traced "checkout": ${emitter.datagrams.length} datagram(s), ${emitter.datagrams.reduce((n, d) => n + d.length, 0)} bytes; trace header propagated: ${result.propagated ? "yes" : "NO"}\n`);
  for (const trace of traces) console.log(renderTrace(trace, { columns, color: useColor(process.stdout) }));
  if (!result.propagated || traces.length !== 1) process.exitCode = 1;
}

await main();
