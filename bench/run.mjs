// npm run bench: every benchmark in turn, then one table of ratios (peer / xray-edge, higher is
// better for xray-edge) with each target of the issues as PASS or MISS. Reports only: it always
// exits 0 (tests judge behaviour; timings are too noisy to fail a build on), and a suite that
// fails is reported as such while the others still run. `--quick`: one round, shorter runs.
import { runMicro } from "./micro.mjs";
import { runStartup } from "./startup.mjs";
import { runSize } from "./size.mjs";
import { runMemory } from "./memory.mjs";
import { runUdp } from "./udp.mjs";
import { runLambda } from "./lambda.mjs";
import { runRuntimes } from "./runtime.mjs";

const quick = process.argv.includes("--quick");
console.log(`xray-edge benchmarks: node ${process.version}, ${new Date().toISOString()}${quick ? " (quick)" : ""}\n`);

async function suite(name, fn) {
  try {
    return await fn();
  } catch (error) {
    console.log(`${name}: FAILED, ${error?.stack ?? error}`);
    return undefined;
  }
}

const micro = await suite("micro", () => runMicro({ quick }));
console.log();
const startup = await suite("start-up", () => runStartup({ runs: quick ? 5 : 15 }));
console.log();
const size = await suite("size", () => runSize());
console.log();
const memory = await suite("memory", () => runMemory({ total: quick ? 100_000 : 1_000_000, quick }));
console.log();
const udp = await suite("udp", () => runUdp({ quick }));
console.log();
const lambda = await suite("lambda", () => runLambda({ quick }));
console.log();
const runtimes = await suite("runtimes", () => runRuntimes({ quick }));

// [what, ratio or value as text, verdict]; a target of undefined: reported, not judged.
const rows = [];
const x = (v) => `${v.toFixed(1)}x`;
function judged(what, value, text, target, pass) {
  rows.push([what, text, target ?? "", target === undefined ? "" : value === undefined ? "n/a" : pass ? "PASS" : "MISS"]);
}
function ratio(name, peer, goal) {
  const r = micro?.[name] ? micro[name][peer] / micro[name]["xray-edge"] : undefined;
  judged(`${name} vs ${peer}`, r, r === undefined ? "n/a" : x(r), goal === undefined ? undefined : `≥ ${goal}x`, r >= goal);
}
ratio("header parse", "aws-xray-sdk-core", 3);
ratio("header parse", "otel propagator", 5);
ratio("segment ID", "aws-xray-sdk-core");
ratio("segment ID", "otel id generator", 2);
ratio("trace ID", "aws-xray-sdk-core");
ratio("trace ID", "otel id generator", 2);
ratio("sampling decision", "aws-xray-sdk-core");
ratio("sampling decision, 20 centralized rules", "aws-xray-sdk-core");
ratio("segment + 3 subsegments", "aws-xray-sdk-core", 10);
if (startup) {
  judged(
    "import + instantiate + first segment ID, fresh process",
    startup.oursFirstId,
    `${startup.oursFirstId.toFixed(2)} ms, ${x(startup.aws / startup.oursFirstId)} vs require; floor ${startup.floor.toFixed(2)} ms, with a wasm core ${startup.floorWasm.toFixed(2)} ms`,
    "≤ 3 ms",
    startup.oursFirstId <= 3,
  );
  // Issue 15 blocked the 3 ms on the floor: what it can ask is to stay near the minimum with a wasm core.
  judged(
    "  the same against the hand-written minimum with a wasm core",
    startup.oursFirstId / startup.floorWasm,
    x(startup.oursFirstId / startup.floorWasm),
    "≤ 1.2x",
    startup.oursFirstId / startup.floorWasm <= 1.2,
  );
  judged(
    "import + instantiate, fresh process",
    startup.ours,
    `${startup.ours.toFixed(2)} ms, ${x(startup.aws / startup.ours)} vs require`,
    "≤ 5 ms",
    startup.ours <= 5,
  );
} else judged("import + instantiate + first segment ID, fresh process", undefined, "n/a", "≤ 3 ms");
if (size) {
  judged(
    "bundle, minified",
    size.ours,
    `${(size.ours / 1000).toFixed(1)} kB, ${x(size.aws / size.ours)} smaller`,
    "≤ 30 kB",
    size.ours <= 30_000,
  );
  judged("bundle, gzipped", size.oursGzip, `${(size.oursGzip / 1000).toFixed(1)} kB, ${x(size.awsGzip / size.oursGzip)} smaller`);
} else judged("bundle, minified", undefined, "n/a", "≤ 30 kB");
if (memory) {
  const flat = memory.wasmDelta === 0 && memory.heapDelta < 1048576 && memory.live === 0;
  judged(
    `memory, 10k -> ${memory.label} segments`,
    0,
    `wasm ${memory.wasmDelta >= 0 ? "+" : ""}${memory.wasmDelta} B, JS heap ${(memory.heapDelta / 1048576).toFixed(2)} MB, ${memory.live} alive (RSS ${(memory.rssDelta / 1048576).toFixed(1)} MB)`,
    "wasm +0, heap < 1 MB, 0 alive",
    flat,
  );
  judged(
    `memory, a chain ${memory.chain.depth} deep`,
    0,
    memory.chain.whole ? `whole, ${memory.chain.datagrams} datagrams` : "NOT whole",
    "delivered whole",
    memory.chain.whole,
  );
  judged(
    `memory, ${memory.fan.width} subsegments of 58 KB`,
    0,
    `${memory.fan.whole ? "whole" : "NOT whole"}, peak wasm ${(memory.fan.peak / 1048576).toFixed(1)} MB`,
    "whole, wasm ≤ 16 MB",
    memory.fan.whole && memory.fan.peak <= 16 * 1048576,
  );
  judged(
    `memory, ${memory.abandoned.count} segments dropped unclosed`,
    0,
    memory.abandoned.flat ? "live and wasm as before" : "grew",
    "flat after a collection",
    memory.abandoned.flat,
  );
} else judged("memory flat", undefined, "n/a", "wasm +0, heap < 1 MB, 0 alive");
const node = udp?.node;
const udpRatio = node?.aws && node?.ours ? node.aws / node.ours : undefined;
judged("udp end to end vs aws-xray-sdk-core (node)", udpRatio, udpRatio === undefined ? "n/a" : x(udpRatio), "≥ 10x", udpRatio >= 10);
const floor = node?.ours && node?.floor ? node.ours / node.floor : undefined;
judged("udp end to end / bare-send floor (node)", floor, floor === undefined ? "n/a" : `${floor.toFixed(2)}x`, "≤ 1.5x", floor <= 1.5);
const invocation = lambda ? lambda.overhead.aws / lambda.overhead.ours : undefined;
judged(
  "lambda invocation overhead vs aws-xray-sdk-core (Powertools style)",
  invocation,
  invocation === undefined ? "n/a" : `${x(invocation)} (+${lambda.overhead.ours.toFixed(1)} vs +${lambda.overhead.aws.toFixed(1)} µs)`,
  "≥ 10x",
  invocation >= 10,
);
const apart = lambda ? lambda.overhead.apart.aws / lambda.overhead.apart.ours : undefined;
judged(
  "lambda invocation overhead, each SDK in its own process",
  apart,
  apart === undefined ? "n/a" : `${x(apart)} (+${lambda.overhead.apart.ours.toFixed(1)} vs +${lambda.overhead.apart.aws.toFixed(1)} µs)`,
);
const cold = lambda ? lambda.cold.awsAdded / lambda.cold.oursAdded : undefined;
judged(
  "lambda cold start, time added vs aws-xray-sdk-core",
  cold,
  cold === undefined ? "n/a" : `${x(cold)} (+${lambda.cold.oursAdded.toFixed(1)} vs +${lambda.cold.awsAdded.toFixed(1)} ms)`,
  "≥ 10x",
  cold >= 10,
);
judged(
  "lambda cold start, process start to first invocation done",
  lambda?.cold.ours,
  lambda ? `${lambda.cold.ours.toFixed(1)} vs ${lambda.cold.aws.toFixed(1)} ms, ${x(lambda.cold.aws / lambda.cold.ours)}` : "n/a",
);
for (const name of ["node", "bun", "deno"]) {
  const r = runtimes?.[name];
  const added = r?.added.roundTrip;
  judged(
    `runtime loop (${name}): tracing added to a warm round trip`,
    added,
    added === undefined
      ? "n/a"
      : `+${added.toFixed(1)}% of ${r.bare.roundTrip.toFixed(0)} µs (minimal tracer by hand +${r.minimal.roundTrip.toFixed(1)}%, one datagram alone +${r.floor.roundTrip.toFixed(1)}%; cycle +${r.added.cycle.toFixed(1)}%)`,
    "≤ 5%",
    added <= 5,
  );
  if (name !== "node") {
    const ratio = r && runtimes.node ? r.cold / runtimes.node.cold : undefined;
    judged(
      `runtime loop (${name}): cold start vs node`,
      ratio,
      ratio === undefined ? "n/a" : `${ratio.toFixed(2)}x (${r.cold.toFixed(0)} vs ${runtimes.node.cold.toFixed(0)} ms)`,
      "≤ 1.5x",
      ratio <= 1.5,
    );
  }
}

const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length)));
console.log("\nratios (peer / xray-edge) and targets");
for (const r of rows) console.log(`  ${r[3].padEnd(4)}  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`);
process.exitCode = 0;
