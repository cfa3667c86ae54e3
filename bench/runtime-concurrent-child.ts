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
 * emulator is part of what is measured, the same for every kind. So beside the wall time, on Linux,
 * each batch's CPU time of the runtime process (its threads and any process it started, from
 * /proc/<pid>/task/<tid>/schedstat): on a machine shared with other work a process waiting for a
 * core adds wall time but no CPU time, and what tracing costs the runtime stays measurable.
 * Prints one JSON object: runtime → level → { wall, cpu? } → kind → µs per invocation, per batch.
 */
import { readdirSync, readFileSync } from "node:fs";
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
const batch = quick ? 80 : 200;
const warmRounds = quick ? 1 : 6;
const rounds = quick ? 5 : 15;

/** The processes this one started, and theirs (the runtime, and whatever its command started). */
function descendants(pid: number): number[] {
  const found: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    for (const child of readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) {
      found.push(Number(child), ...descendants(Number(child)));
    }
  }
  return found;
}

/** CPU time of `pids` and their threads in µs, or undefined where /proc cannot tell (not Linux). */
function cpuTime(pids: number[]): number | undefined {
  try {
    let ns = 0;
    for (const pid of pids)
      for (const tid of readdirSync(`/proc/${pid}/task`))
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    return Number.isFinite(ns) ? ns / 1000 : undefined;
  } catch {
    return undefined;
  }
}

type Samples = Record<string, number[]>;

async function level(command: string[], concurrency: number): Promise<{ wall: Samples; cpu?: Samples }> {
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
  const wall: Samples = Object.fromEntries(MODES.map((m) => [m, []]));
  const cpu: Samples = Object.fromEntries(MODES.map((m) => [m, []]));
  let cpuKnown = true;
  try {
    let runtime: number[] = [];
    const run = async (mode: string) => {
      const c0 = cpuTime(runtime);
      const t0 = performance.now();
      const results = await Promise.all(Array.from({ length: batch }, () => e.invoke({ mode })));
      const elapsed = performance.now() - t0;
      const c1 = cpuTime(runtime);
      const failed = results.find((r) => r.status !== "success");
      if (failed) throw new Error(`${mode}, concurrency ${concurrency}: ${JSON.stringify(failed)}`);
      return { wall: (elapsed * 1000) / batch, cpu: c0 === undefined || c1 === undefined ? undefined : (c1 - c0) / batch };
    };
    for (let i = 0; i < warmRounds; i++) for (const mode of MODES) await run(mode);
    // Started by the first invocation, and kept: every invocation succeeded, so none was replaced.
    try {
      runtime = descendants(process.pid);
    } catch {
      cpuKnown = false;
    }
    for (let i = 0; i < rounds; i++)
      for (const mode of i % 2 === 0 ? MODES : [...MODES].reverse()) {
        const r = await run(mode);
        wall[mode]!.push(r.wall);
        if (r.cpu === undefined) cpuKnown = false;
        else cpu[mode]!.push(r.cpu);
      }
  } finally {
    await e.close();
  }
  return cpuKnown ? { wall, cpu } : { wall };
}

const out: Record<string, Record<number, { wall: Samples; cpu?: Samples }>> = {};
for (const [runtime, command] of Object.entries(commands)) {
  if (only && !only.includes(runtime)) continue;
  out[runtime] = {};
  for (const l of LEVELS) out[runtime][l] = await level(command, l);
}
console.log(JSON.stringify(out));
