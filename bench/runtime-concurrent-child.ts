/**
 * The runtime loop's throughput at concurrency 1 and 8 (bench/runtime.mjs runs this under the tsx
 * hook), with the warm bench's four kinds of invocation of bench/fixtures/paired.mjs: bare,
 * traced, the hand-written minimum and one datagram alone (see there), so that tracing's added
 * cost stands beside the minimum's at both. Concurrency 1 is the classic loop
 * (AWS_LAMBDA_MAX_CONCURRENCY unset: one invocation, then the next); 8 is a Managed Instance's
 * AWS_LAMBDA_MAX_CONCURRENCY=8, each invocation in its own InvokeStore context.
 *
 * One runtime process per runtime and level serves every kind, in batches: a batch queues `batch`
 * events of one kind at once and the emulator keeps `level` of them in flight; its time per
 * invocation is the batch's wall time over its events. Kinds alternate batch by batch (forward,
 * then reversed), so that the machine's drift falls on all of them alike; per kind the median
 * batch. Node runs dist/bootstrap.js; Bun and Deno the same file (`deno run -A`: FFI granted, as
 * the layer runs it). The emulator and the runtime share the machine's cores: at high rates the
 * emulator is part of what is measured, the same for every kind. Prints one JSON object:
 * runtime → level → kind → { µs per invocation per batch }.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../bin/invoke/emulator.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const quick = process.argv.includes("--quick");
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const bootstrap = join(root, "dist/bootstrap.js");
const commands: Record<string, string[]> = {
  node: [process.execPath, bootstrap],
  bun: [join(root, "node_modules/.bin/bun"), bootstrap],
  deno: [join(root, "node_modules/.bin/deno"), "run", "-A", bootstrap],
};
const daemonAddress = `127.0.0.1:${process.argv.find((a) => /^\d+$/.test(a))}`;
const LEVELS = [1, 8] as const;
const MODES = ["bare", "traced", "minimal", "floor"] as const;
// Sized for the whole runtime suite to stay within ~1.5 minutes with --quick, ~6 in full, here.
const batch = quick ? 80 : 250;
const warmRounds = quick ? 1 : 6;
const rounds = quick ? 5 : 15;

async function level(command: string[], concurrency: number): Promise<Record<string, number[]>> {
  const e = await startEmulator({
    command,
    // Unset for 1: the classic loop, as Lambda runs a function by default.
    ...(concurrency > 1 ? { concurrency } : {}),
    memoryMb: 1024,
    taskRoot: join(root, "bench/fixtures"),
    handler: "paired.handler",
    daemonAddress,
    functionSegment: false,
    quiet: true,
    timeoutMs: 30_000,
    sampled: "1",
  });
  const perInvocation: Record<string, number[]> = Object.fromEntries(MODES.map((m) => [m, []]));
  try {
    const run = async (mode: string) => {
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: batch }, () => e.invoke({ mode })));
      const elapsed = performance.now() - t0;
      const failed = results.find((r) => r.status !== "success");
      if (failed) throw new Error(`${mode}, concurrency ${concurrency}: ${JSON.stringify(failed)}`);
      return (elapsed * 1000) / batch;
    };
    for (let i = 0; i < warmRounds; i++) for (const mode of MODES) await run(mode);
    for (let i = 0; i < rounds; i++)
      for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) perInvocation[mode]!.push(await run(mode));
  } finally {
    await e.close();
  }
  return perInvocation;
}

const out: Record<string, Record<number, Record<string, number[]>>> = {};
for (const [runtime, command] of Object.entries(commands)) {
  if (only && !only.includes(runtime)) continue;
  out[runtime] = {};
  for (const l of LEVELS) out[runtime][l] = await level(command, l);
}
console.log(JSON.stringify(out));
