/**
 * Custom runtimes through the Runtime API emulator (bench/runtime.mjs runs this under the tsx hook):
 * for each of node (dist/bootstrap.js), bun and deno (the real bootstrap of each layer zip,
 * unpacked): warm round trips of an empty handler, traced (Sampled=1, documents to a UDP sink)
 * against untraced (AWS_XRAY_SDK_ENABLED=false), alternating (the emulator's own
 * function segment off: only the runtime's work is measured); and cold start, spawn to
 * the first response, over fresh processes. Prints one JSON object.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../bin/invoke/emulator.ts";
import { unpackZip } from "../test/layers/zip-modes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const layers = join(root, "dist/layers");
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function unpacked(runtime: string): string {
  const zip = join(layers, `xray-edge-${runtime}-x64.zip`);
  if (!existsSync(zip)) execFileSync(process.execPath, [join(root, "dist/bin/xray-edge.js"), "layer", runtime, "--out", layers], { stdio: "ignore" });
  const into = join(layers, `${runtime}-x64`);
  unpackZip(zip, into);
  return join(into, "bootstrap");
}

// `--only node,bun`: a subset of the runtimes.
const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7).split(",");
const commands: Record<string, () => string[]> = {
  node: () => [process.execPath, join(root, "dist/bootstrap.js")],
  bun: () => [unpacked("bun")],
  deno: () => [unpacked("deno")],
};

// The daemon stand-in is bound by the parent (runtime.mjs), whose loop is blocked meanwhile: the
// kernel takes the datagrams, and receiving them costs this process nothing.
const daemonAddress = `127.0.0.1:${process.argv.find((a) => /^\d+$/.test(a))}`;
const base = { taskRoot: join(root, "bench/fixtures"), handler: "empty.handler", daemonAddress, functionSegment: false, quiet: true, timeoutMs: 10_000 };

const out: Record<string, unknown> = {};
for (const [runtime, make] of Object.entries(commands)) {
  if (only && !only.includes(runtime)) continue;
  const command = make();
  const traced = await startEmulator({ ...base, command, sampled: "1" });
  const untraced = await startEmulator({ ...base, command, sampled: "1", env: { AWS_XRAY_SDK_ENABLED: "false" } });
  const batch = quick ? 100 : 300;
  const perInvocation: Record<"traced" | "untraced", number[]> = { traced: [], untraced: [] };
  try {
    // Warm-up first: a warm Lambda has served many invocations, and the JITs tier up slowly when a
    // function runs once per round trip.
    for (let i = 0; i < (quick ? 300 : 1500); i++) {
      await traced.invoke({});
      await untraced.invoke({});
    }
    // Alternating invocation by invocation (and which goes first), so that the machine's drift
    // falls on both alike; each round's mean per invocation, then the median of the rounds.
    for (let round = 0; round < (quick ? 3 : 7); round++) {
      const sum = { traced: 0, untraced: 0 };
      for (let i = 0; i < batch; i++) {
        const order = i % 2 === 0 ? (["traced", "untraced"] as const) : (["untraced", "traced"] as const);
        for (const name of order) {
          const t = performance.now();
          const r = await (name === "traced" ? traced : untraced).invoke({});
          sum[name] += performance.now() - t;
          if (r.status !== "success") throw new Error(`${runtime} ${name}: ${JSON.stringify(r)}`);
        }
      }
      perInvocation.traced.push((sum.traced * 1000) / batch);
      perInvocation.untraced.push((sum.untraced * 1000) / batch);
    }
  } finally {
    await traced.close();
    await untraced.close();
  }
  const cold: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const e = await startEmulator({ ...base, command, sampled: "1" });
    const t = performance.now();
    const r = await e.invoke({});
    cold.push(performance.now() - t);
    await e.close();
    if (r.status !== "success") throw new Error(`${runtime} cold: ${JSON.stringify(r)}`);
  }
  out[runtime] = { traced: median(perInvocation.traced), untraced: median(perInvocation.untraced), cold: median(cold) };
}
console.log(JSON.stringify(out));
