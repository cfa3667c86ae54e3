// The custom runtimes' cost, on Node, Bun and Deno, with four kinds of invocation served by one
// runtime process (bench/fixtures/paired.mjs): bare, traced, the hand-written minimum (what a
// minimal tracer must do: parse the header, make an ID, build the same document, one send) and one
// datagram alone (the floor any X-Ray SDK pays). Two children, each under the tsx hook for the
// emulator's sources:
// - runtime-child.ts: the warm round trip and cycle of the classic loop, per invocation, and cold start;
// - runtime-concurrent-child.ts: time per invocation in batches at concurrency 1 (the classic
//   loop) and 8 (AWS_LAMBDA_MAX_CONCURRENCY=8).
// The target (issue 14): tracing adds no more than the hand-written minimum does, i.e. the
// `tracedVsMinimal` ratios at most 1. `--concurrent`: only the concurrency child. `--only=node,bun`.
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const KINDS = ["bare", "traced", "minimal", "floor"];

/** Runs a child benchmark with a UDP sink for its datagrams; its last line of output, parsed. */
async function runChild(script, { quick, only }) {
  const sink = dgram.createSocket("udp4");
  await new Promise((r) => sink.bind(0, "127.0.0.1", r));
  let stdout;
  try {
    stdout = execFileSync(
      process.execPath,
      [
        "--import",
        "./scripts/register.mjs",
        script,
        String(sink.address().port),
        ...(quick ? ["--quick"] : []),
        ...(only ? [`--only=${only}`] : []),
      ],
      { cwd: root, encoding: "utf8", timeout: 900_000 },
    );
  } finally {
    sink.close();
  }
  return JSON.parse(stdout.trim().split("\n").pop());
}

const mid = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const pct = (v) => `${v >= 0 ? "+" : ""}${v.toFixed(1)}%`;

/**
 * Paired samples (sample i of every kind taken in the same set or round) → each kind's median, and
 * the medians over i of what each kind adds to bare's, in the unit and in %. `tracedVsMinimal`:
 * tracing's added share over the minimum's (the target is ≤ 1); null when the minimum's came out
 * at or below zero (noise larger than the effect: no ratio to give).
 */
function compare(samples, unit) {
  const out = {};
  for (const kind of KINDS) out[`${kind}${unit}`] = mid(samples[kind]);
  for (const kind of KINDS.slice(1)) {
    out[`${kind}Added${unit}`] = mid(samples[kind].map((v, i) => v - samples.bare[i]));
    const shares = samples[kind].map((v, i) => ((v - samples.bare[i]) / samples.bare[i]) * 100);
    out[`${kind}AddedPct`] = mid(shares);
    if (kind === "traced") out.tracedAddedPctPerSample = shares;
  }
  out.tracedVsMinimal = out.minimalAddedPct > 0 ? out.tracedAddedPct / out.minimalAddedPct : null;
  return out;
}

const line = (c) =>
  `tracing ${pct(c.tracedAddedPct)}, the hand-written minimum ${pct(c.minimalAddedPct)}, one datagram alone ${pct(c.floorAddedPct)}: ${c.tracedVsMinimal === null ? "no ratio (the minimum's share is not above zero)" : `${c.tracedVsMinimal.toFixed(2)}x the minimum's`}`;

/**
 * Per runtime and concurrency (1, 8): each kind's µs per invocation and its added share, in wall
 * time and (on Linux, under `cpu`) in the runtime process's CPU time, which other work on the
 * machine does not inflate. Returns { node: { "1": { ...compare, cpu? }, "8": ... }, bun, deno }.
 */
export async function runConcurrent({ quick = false, only } = {}) {
  const raw = await runChild("bench/runtime-concurrent-child.ts", { quick, only });
  const results = {};
  for (const [runtime, levels] of Object.entries(raw)) {
    results[runtime] = {};
    for (const [level, { wall, cpu }] of Object.entries(levels)) {
      const c = compare(wall, "µsPerInvocation");
      if (cpu) c.cpu = compare(cpu, "µsPerInvocation");
      results[runtime][level] = c;
      console.log(
        `runtime loop, ${runtime.padEnd(4)} c=${level}  ${c.bareµsPerInvocation.toFixed(0)} µs an invocation bare (${(1e6 / c.bareµsPerInvocation).toFixed(0)}/s): ${line(c)}`,
      );
      if (c.cpu)
        console.log(
          `                   c=${level}  CPU of the runtime ${c.cpu.bareµsPerInvocation.toFixed(0)} µs an invocation bare: ${line(c.cpu)}`,
        );
    }
  }
  return results;
}

/**
 * The warm classic loop (round trip: event sent to response received; cycle: to the next `next`),
 * cold start, and unless `concurrent: false`, runConcurrent's figures under `concurrency`.
 */
export async function runRuntimes({ quick = false, only, concurrent = true } = {}) {
  const raw = await runChild("bench/runtime-child.ts", { quick, only });
  const results = {};
  for (const [runtime, { sets, cold }] of Object.entries(raw)) {
    const of = (what) => Object.fromEntries(KINDS.map((k) => [k, sets.map((s) => s[k][what])]));
    const r = { roundTrip: compare(of("roundTrip"), "µs"), cycle: compare(of("cycle"), "µs"), coldStartMs: cold };
    results[runtime] = r;
    const vsNode = runtime === "node" || !raw.node ? "" : ` (${(cold / raw.node.cold).toFixed(2)}x node)`;
    console.log(
      `runtime loop, ${runtime.padEnd(4)}  round trip ${r.roundTrip.bareµs.toFixed(0)} µs bare: ${line(r.roundTrip)}   cycle ${r.cycle.bareµs.toFixed(0)} µs: tracing ${pct(r.cycle.tracedAddedPct)}, minimum ${pct(r.cycle.minimalAddedPct)}   cold start ${cold.toFixed(0)} ms${vsNode}`,
    );
  }
  if (concurrent) {
    const levels = await runConcurrent({ quick, only });
    for (const [runtime, c] of Object.entries(levels)) if (results[runtime]) results[runtime].concurrency = c;
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = { quick: process.argv.includes("--quick"), only: process.argv.find((a) => a.startsWith("--only="))?.slice(7) };
  if (process.argv.includes("--concurrent")) await runConcurrent(options);
  else await runRuntimes(options);
}
