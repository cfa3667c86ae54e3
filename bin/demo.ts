/**
 * `npm run demo`: the sample function (bin/demo/handler.mjs: nested subsegments, an annotation, a
 * fetch to a local server, a caught error) invoked through the Lambda Runtime API emulator on Node,
 * Bun and Deno in turn, each on xray-edge's custom runtime loop, with the local daemon receiving
 * the documents and printing each trace as a waterfall. Everything runs on loopback.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDaemon } from "./daemon/server.ts";
import type { AssembledTrace } from "./daemon/assembler.ts";
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
        for (let waited = 0; !printed.has(traceId) && waited < 3000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
        const ok =
          r.status === "success" &&
          printed.has(traceId) &&
          (r.response as { headerSeenDownstream?: string })?.headerSeenDownstream?.includes(traceId);
        if (!ok) {
          failures++;
          process.stdout.write(
            `  ${runtime}: FAILED (${printed.has(traceId) ? "the trace header did not reach the downstream service" : "no trace reached the daemon"})\n`,
          );
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
