// npm run bench: every benchmark, then the targets of the issues as PASS or MISS. Reports only:
// it always exits 0 (tests judge behaviour; timings are too noisy to fail a build on).
import { runMicro } from "./micro.mjs";
import { runStartup } from "./startup.mjs";
import { runSize } from "./size.mjs";
import { runMemory } from "./memory.mjs";
import { runUdp } from "./udp.mjs";

const quick = process.argv.includes("--quick");
console.log(`xray-edge benchmarks: node ${process.version}, ${new Date().toISOString()}${quick ? " (quick)" : ""}\n`);
const micro = await runMicro({ quick });
const startup = runStartup({ runs: quick ? 5 : 15 });
const size = await runSize();
const memory = runMemory({ total: quick ? 100_000 : 1_000_000 });
const udp = await runUdp({ quick });

const ratio = (name, peer) => micro[name][peer] / micro[name]["xray-edge"];
const targets = [
  ["header parse ≥ 3x aws-xray-sdk-core", ratio("header parse", "aws-xray-sdk-core"), 3],
  ["header parse ≥ 5x otel propagator", ratio("header parse", "otel propagator"), 5],
  ["segment ID ≥ 2x otel id generator", ratio("segment ID", "otel id generator"), 2],
  ["trace ID ≥ 2x otel id generator", ratio("trace ID", "otel id generator"), 2],
  ["segment + 3 subsegments ≥ 10x aws-xray-sdk-core", ratio("segment + 3 subsegments", "aws-xray-sdk-core"), 10],
];
console.log("\ntargets");
for (const [name, value, goal] of targets) console.log(`  ${value >= goal ? "PASS" : "MISS"}  ${name}: ${value.toFixed(1)}x`);
console.log(`  ${startup.ours <= 5 ? "PASS" : "MISS"}  import + instantiation ≤ 5 ms: ${startup.ours.toFixed(2)} ms`);
console.log(`  ${size.ours <= 30_000 ? "PASS" : "MISS"}  bundle ≤ 30 kB minified: ${(size.ours / 1000).toFixed(1)} kB`);
const node = udp.node;
console.log(`  ${node.aws / node.ours >= 10 ? "PASS" : "MISS"}  UDP end to end ≥ 10x aws-xray-sdk-core (node): ${(node.aws / node.ours).toFixed(1)}x`);
console.log(`  ${node.ours / node.floor <= 1.5 ? "PASS" : "MISS"}  UDP end to end within 1.5x of the bare-send floor (node): ${(node.ours / node.floor).toFixed(2)}x`);
console.log(`  ${memory.wasmDelta === 0 && memory.rssDelta < 8 * 1048576 && memory.live === 0 ? "PASS" : "MISS"}  memory flat from 10k to ${quick ? "100k" : "1M"} segments: wasm +${memory.wasmDelta} B, RSS ${(memory.rssDelta / 1048576).toFixed(1)} MB, ${memory.live} nodes alive`);
