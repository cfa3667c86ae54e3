/**
 * Custom runtimes through the Runtime API emulator (bench/runtime.mjs runs this under the tsx hook),
 * for each of node (dist/bootstrap.js), bun and deno (the real bootstrap of each layer zip, unpacked).
 *
 * Warm: one runtime process serves bare, traced, minimal and floor invocations of
 * bench/fixtures/paired.mjs in turn (see there), so that tracing is compared within one process:
 * between processes the same loop differs by up to ±5% here, more than the effect measured. Each
 * invocation is timed from the event sent to the response received (the round trip) and to the
 * runtime asking for its next event (the cycle: whatever it does after posting is inside). Trimmed
 * means (5-95%) per kind, over `sets` fresh processes. Cold: spawn to the first response of a
 * traced empty handler, over fresh processes. Prints one JSON object.
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startEmulator } from "../bin/invoke/emulator.ts";
import { unpackZip } from "../test/layers/zip-modes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const layers = join(root, "dist/layers");
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function unpacked(runtime: string): string {
  // Built each time: a zip left from an earlier build would carry an older loop.
  const zip = join(layers, `xray-edge-${runtime}-x64.zip`);
  execFileSync(process.execPath, [join(root, "dist/bin/xray-edge.js"), "layer", runtime, "--out", layers], { stdio: "ignore" });
  const into = join(layers, `${runtime}-x64`);
  unpackZip(zip, into);
  return join(into, "bootstrap");
}

// `--only node,bun`: a subset of the runtimes.
const only = process.argv
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const commands: Record<string, () => string[]> = {
  node: () => [process.execPath, join(root, "dist/bootstrap.js")],
  bun: () => [unpacked("bun")],
  deno: () => [unpacked("deno")],
};

// The daemon stand-in is bound by the parent (runtime.mjs), whose loop is blocked meanwhile: the
// kernel queues the datagrams (then drops them when the queue is full), so the cost measured is the
// sender's. A daemon that reads each datagram on these same 2 cores adds its own: a Node listener
// here made the send take 60-160 µs longer for any sender (Bun, Deno), as it was woken and ran.
const daemonAddress = `127.0.0.1:${process.argv.find((a) => /^\d+$/.test(a))}`;
const base = {
  // The emulator enforces the function's memory as Lambda does; a benchmark's thousands of
  // invocations in one runtime grow its heap past the 128 MB default (it was killed, Runtime.OutOfMemory).
  memoryMb: 1024,
  taskRoot: join(root, "bench/fixtures"),
  handler: "empty.handler",
  daemonAddress,
  functionSegment: false,
  quiet: true,
  timeoutMs: 10_000,
};

const MODES = ["bare", "traced", "minimal", "floor"] as const;
type Mode = (typeof MODES)[number];
const trimmedMean = (v: number[]) => {
  const sorted = [...v].sort((a, b) => a - b);
  const kept = sorted.slice(Math.floor(sorted.length * 0.05), Math.ceil(sorted.length * 0.95));
  return kept.reduce((a, b) => a + b, 0) / kept.length;
};

/** One fresh process: each kind's trimmed mean round trip and cycle, in µs. */
async function warmSet(command: string[]): Promise<Record<Mode, { roundTrip: number; cycle: number }>> {
  const e = await startEmulator({ ...base, taskRoot: join(root, "bench/fixtures"), handler: "paired.handler", command, sampled: "1" });
  const roundTrip: Record<string, number[]> = {},
    cycle: Record<string, number[]> = {};
  try {
    // Warm-up first: a warm Lambda has served many invocations, and the JITs tier up slowly when a
    // function runs once per round trip.
    for (let i = 0; i < (quick ? 300 : 1500); i++) {
      for (const mode of MODES) {
        await e.invoke({ mode });
        await e.idle();
      }
    }
    for (let i = 0; i < (quick ? 400 : 2000); i++) {
      for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) {
        const t0 = performance.now();
        const r = await e.invoke({ mode });
        const t1 = performance.now();
        await e.idle();
        const t2 = performance.now();
        if (r.status !== "success") throw new Error(`${mode}: ${JSON.stringify(r)}`);
        (roundTrip[mode] ??= []).push((t1 - t0) * 1000);
        (cycle[mode] ??= []).push((t2 - t0) * 1000);
      }
    }
  } finally {
    await e.close();
  }
  return Object.fromEntries(MODES.map((m) => [m, { roundTrip: trimmedMean(roundTrip[m]!), cycle: trimmedMean(cycle[m]!) }])) as Record<
    Mode,
    { roundTrip: number; cycle: number }
  >;
}

const out: Record<string, unknown> = {};
for (const [runtime, make] of Object.entries(commands)) {
  if (only && !only.includes(runtime)) continue;
  const command = make();
  const sets = [];
  for (let i = 0; i < (quick ? 1 : 3); i++) sets.push(await warmSet(command));
  const cold: number[] = [];
  for (let i = 0; i < (quick ? 3 : 7); i++) {
    const e = await startEmulator({ ...base, command, sampled: "1" });
    const t = performance.now();
    const r = await e.invoke({});
    cold.push(performance.now() - t);
    await e.close();
    if (r.status !== "success") throw new Error(`${runtime} cold: ${JSON.stringify(r)}`);
  }
  out[runtime] = { sets, cold: median(cold) };
}
console.log(JSON.stringify(out));
