// The custom runtimes' cost (runtime-child.ts, under the tsx hook for the emulator's sources):
// warm invocations through the emulator, traced against bare in one process (beside a minimal
// tracer written by hand and one datagram alone, the least any X-Ray SDK pays), and cold start.
// `--concurrent`: only the concurrent case (runtime-concurrent-child.ts), invocations per second
// at AWS_LAMBDA_MAX_CONCURRENCY 1, 8 and 64, traced and untraced, per runtime.
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

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

/** Invocations per second at each concurrency, traced and untraced, and what tracing costs there. */
export async function runConcurrent({ quick = false, only } = {}) {
  const raw = await runChild("bench/runtime-concurrent-child.ts", { quick, only });
  for (const [runtime, modes] of Object.entries(raw)) {
    const cells = Object.keys(modes.traced).map((level) => {
      const traced = modes.traced[level];
      const untraced = modes.untraced[level];
      const change = ((traced - untraced) / untraced) * 100;
      return `c=${level}: ${untraced.toFixed(0)}/s untraced, ${traced.toFixed(0)}/s traced (${change >= 0 ? "+" : ""}${change.toFixed(1)}%)`;
    });
    console.log(`runtime loop, concurrent, ${runtime.padEnd(4)}  ${cells.join("   ")}`);
  }
  return raw;
}

export async function runRuntimes({ quick = false, only } = {}) {
  const raw = await runChild("bench/runtime-child.ts", { quick, only });
  const results = {};
  for (const [runtime, r] of Object.entries(raw)) {
    results[runtime] = summarize(r);
    const s = results[runtime];
    const pct = (v) => `${v >= 0 ? "+" : ""}${v.toFixed(1)}%`;
    const span = (v) => (v.length > 1 ? ` (${pct(Math.min(...v))} to ${pct(Math.max(...v))})` : "");
    console.log(
      `runtime loop, ${runtime.padEnd(4)}  round trip ${s.bare.roundTrip.toFixed(0)} µs bare: tracing ${pct(s.added.roundTrip)}${span(s.perSet.roundTrip)}, a minimal tracer by hand ${pct(s.minimal.roundTrip)}, one datagram alone ${pct(s.floor.roundTrip)}   cycle ${s.bare.cycle.toFixed(0)} µs (${(1e6 / s.bare.cycle).toFixed(0)} invocations/s): tracing ${pct(s.added.cycle)}${span(s.perSet.cycle)} (${(1e6 / s.traced.cycle).toFixed(0)}/s)   cold start ${s.cold.toFixed(0)} ms${runtime === "node" || !raw.node ? "" : ` (${(s.cold / raw.node.cold).toFixed(2)}x node)`}`,
    );
  }
  return results;
}

const mid = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Per set, tracing's and the lone datagram's share of the bare invocation; the median set's. */
function summarize({ sets, cold }) {
  const share = (set, mode, what) => ((set[mode][what] - set.bare[what]) / set.bare[what]) * 100;
  const perSet = { roundTrip: sets.map((s) => share(s, "traced", "roundTrip")), cycle: sets.map((s) => share(s, "traced", "cycle")) };
  return {
    bare: { roundTrip: mid(sets.map((s) => s.bare.roundTrip)), cycle: mid(sets.map((s) => s.bare.cycle)) },
    traced: { roundTrip: mid(sets.map((s) => s.traced.roundTrip)), cycle: mid(sets.map((s) => s.traced.cycle)) },
    added: { roundTrip: mid(perSet.roundTrip), cycle: mid(perSet.cycle) },
    floor: { roundTrip: mid(sets.map((s) => share(s, "floor", "roundTrip"))), cycle: mid(sets.map((s) => share(s, "floor", "cycle"))) },
    minimal: {
      roundTrip: mid(sets.map((s) => share(s, "minimal", "roundTrip"))),
      cycle: mid(sets.map((s) => share(s, "minimal", "cycle"))),
    },
    perSet,
    cold,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = { quick: process.argv.includes("--quick"), only: process.argv.find((a) => a.startsWith("--only="))?.slice(7) };
  if (!process.argv.includes("--concurrent")) await runRuntimes(options);
  await runConcurrent(options);
}
