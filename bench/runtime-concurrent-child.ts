/**
 * The custom runtime under AWS_LAMBDA_MAX_CONCURRENCY (bench/runtime.mjs --concurrent runs this
 * under the tsx hook): invocations per second of bench/fixtures/empty.handler through the emulator
 * with `concurrency` 1, 8 and 64, traced (Sampled=1, sent to the parent's UDP sink) and untraced
 * (AWS_XRAY_SDK_ENABLED=false: the handler is not wrapped), on node, bun and deno running
 * dist/bootstrap.js. Every event is queued at once and the emulator keeps `concurrency` of them in
 * flight; throughput is the events over the time from the first queued to the last answered.
 * The emulator and the runtime share the machine's cores: at high rates the emulator is part of
 * what is measured. Prints one JSON object: runtime → mode → concurrency → invocations/s.
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
const LEVELS = [1, 8, 64];
const MODES = { traced: {}, untraced: { AWS_XRAY_SDK_ENABLED: "false" } } as const;
// --quick keeps a run of all three runtimes within a minute on the 2-core machine.
const warmup = quick ? 100 : 1000;
const measured = quick ? 500 : 5000;

async function rate(command: string[], concurrency: number, env: Record<string, string>): Promise<number> {
  const e = await startEmulator({
    command,
    concurrency,
    env,
    memoryMb: 1024,
    taskRoot: join(root, "bench/fixtures"),
    handler: "empty.handler",
    daemonAddress,
    functionSegment: false,
    quiet: true,
    timeoutMs: 30_000,
    sampled: "1",
  });
  try {
    const batch = async (n: number) => {
      const results = await Promise.all(Array.from({ length: n }, () => e.invoke({})));
      const failed = results.find((r) => r.status !== "success");
      if (failed) throw new Error(`concurrency ${concurrency}: ${JSON.stringify(failed)}`);
    };
    await batch(warmup);
    const t0 = performance.now();
    await batch(measured);
    return (measured / (performance.now() - t0)) * 1000;
  } finally {
    await e.close();
  }
}

const out: Record<string, Record<string, Record<number, number>>> = {};
for (const [runtime, command] of Object.entries(commands)) {
  if (only && !only.includes(runtime)) continue;
  out[runtime] = {};
  for (const [mode, env] of Object.entries(MODES)) {
    out[runtime][mode] = {};
    for (const level of LEVELS) out[runtime][mode][level] = await rate(command, level, env);
  }
}
console.log(JSON.stringify(out));
