/**
 * `npm run demo`: the sample function (bin/demo/handler.mjs: nested subsegments, an annotation, a
 * fetch to a local server, a caught error) invoked through the Lambda Runtime API emulator on Node,
 * Bun and Deno in turn, each on xray-edge's custom runtime loop, with the local daemon receiving
 * the documents and printing each trace as a waterfall. The emulator runs the function with active
 * tracing and sends Lambda's own segments, so each trace is whole, as X-Ray shows it: the service
 * segment, the function segment with Initialization, Invocation and Overhead, and the handler's
 * subsegments under Invocation. Everything runs on loopback.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDaemon } from "./daemon/server.ts";
import type { AssembledTrace } from "./daemon/assembler.ts";
import type { TraceNode } from "./daemon/tree.ts";
import { startEmulator } from "./invoke/emulator.ts";
import { RUNTIMES, ownPackageRoot, runtimeCommand } from "./invoke/runtime-command.ts";

const root = ownPackageRoot();
const here = path.dirname(fileURLToPath(import.meta.url));

/** The downstream service: answers with the trace header it received. */
async function startInventory() {
  const server = createServer((request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ received: request.headers["x-amzn-trace-id"] ?? null }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** What is wrong with a trace's shape, if anything: Lambda's two segments on top, the handler under Invocation. */
function shapeProblem(trace: AssembledTrace): string | undefined {
  const [service, ...others] = trace.roots;
  if (!service || others.length > 0) return `${trace.roots.length} root segments, not one (the service segment)`;
  const fn = service.children.find((c) => c.segment);
  if (!fn) return "no function segment under the service segment";
  const names = fn.children.map((c: TraceNode) => c.name).join(", ");
  if (names !== "Initialization, Invocation, Overhead") return `the function segment holds ${names}`;
  const invocation = fn.children[1]!;
  if (!invocation.children.some((c) => c.name === "## handler.handler")) return "the handler's subsegment is not under Invocation";
  return trace.finished ? undefined : `the trace was printed ${trace.incomplete ?? "unfinished"}`;
}

async function main(): Promise<number> {
  const inventory = await startInventory();
  const printed = new Map<string, AssembledTrace>();
  const daemon = await startDaemon({
    address: { host: "127.0.0.1", port: 0, family: 4 },
    settleMs: 300,
    quiet: true,
    onTrace: (t) => printed.set(t.traceId, t),
  });
  const daemonAddress = `${daemon.address.host}:${daemon.address.port}`;
  let failures = 0;
  try {
    for (const runtime of RUNTIMES) {
      const emulator = await startEmulator({
        command: runtimeCommand(runtime, root),
        taskRoot: path.join(here, "demo"),
        handler: "handler.handler",
        functionName: "checkout",
        // Lambda's rule samples the first request of each second: this one.
        tracing: "active",
        daemonAddress,
        quiet: true,
        timeoutMs: 10_000,
        env: { INVENTORY_URL: inventory.url, POWERTOOLS_SERVICE_NAME: "checkout" },
      });
      try {
        const r = await emulator.invoke({ orderId: "A-1001", items: ["sku-42", "sku-7"], code: "AUTUMN24" });
        const traceId = /Root=([^;]+)/.exec(r.traceHeader ?? "")?.[1] ?? "";
        process.stdout.write(
          `\n${runtime}: ${r.status} in ${r.durationMs.toFixed(1)} ms${r.initDurationMs ? ` (init ${r.initDurationMs.toFixed(0)} ms)` : ""}, trace ${traceId}\n`,
        );
        process.stdout.write(`  response: ${r.responseText ?? JSON.stringify(r.error ?? r.initError)}\n\n`);
        // Lambda's segments go out when the runtime asks for its next event, just after the response.
        for (let waited = 0; !printed.has(traceId) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
        const trace = printed.get(traceId);
        const problem =
          r.status !== "success"
            ? `the invocation ended ${r.status}`
            : !trace
              ? "no trace reached the daemon"
              : !(r.response as { headerSeenDownstream?: string })?.headerSeenDownstream?.includes(traceId)
                ? "the trace header did not reach the downstream service"
                : shapeProblem(trace);
        if (problem) {
          failures++;
          process.stdout.write(`  ${runtime}: FAILED (${problem})\n`);
        }
      } finally {
        await emulator.close();
      }
    }
  } finally {
    await daemon.stop();
    inventory.server.close();
  }
  process.stdout.write(
    `\n${RUNTIMES.length - failures} of ${RUNTIMES.length} runtimes traced; documents received by the daemon: ${daemon.stats().documents}, valid: ${daemon.stats().valid}\n`,
  );
  return failures === 0 ? 0 : 1;
}

process.exitCode = await main();
