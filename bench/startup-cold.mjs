// Cold start beside its floor: fresh Node processes, each one Lambda-style invocation with 3
// subsegments (startup-floor/cold-child.mjs), timed from process start to the invocation done;
// the cases take turns, medians. Untraced; traceHandler (dist/lambda.js); the hand-written minimum
// (startup-floor/min-handler.mjs: regex, random IDs, JSON.stringify, one send); and that minimum
// plus a wasm core's fixed cost (core.wasm embedded, decoded, compiled, instantiated). Each traced
// case's added ms is its median less the untraced median of the same run, in wall-clock ms (what
// a cold start waits) and in CPU ms (what it burns, steadier when the machine is shared). Each
// case's phases too (medians, wall and CPU): the import, the wrap (traceHandler()) and the first
// invocation, to show where a traced cold start's ms go beside the floor's.
// --against <lambda.js>: another build's dist/lambda.js (e.g. a copy of the last commit's dist/,
// with a package.json of {"type":"module"} beside it) measured in the same turns, as `against`:
// a change's effect, measured in one run with the floors.
//   node bench/startup-cold.mjs [--quick] [--against <path to a dist/lambda.js>]
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { floorFiles } from "./startup.mjs";

const lambda = fileURLToPath(new URL("../dist/lambda.js", import.meta.url));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const PHASES = ["import", "wrap", "invocation"];

export async function runColdStart({ quick = false, against } = {}) {
  const runs = quick ? 7 : 21;
  // A listener for the datagrams, so that no send is refused; its reads wait for the end.
  const sink = dgram.createSocket("udp4");
  await new Promise((resolve) => sink.bind(0, "127.0.0.1", resolve));
  const port = String(sink.address().port);
  const dir = floorFiles();
  const child = path.join(dir, "cold-child.mjs");
  const cases = {
    untraced: ["untraced"],
    ours: ["ours", lambda],
    floor: ["floor"],
    floorWasm: ["floor-wasm", path.join(dir, "min-id-wasm.mjs")],
    ...(against ? { against: ["ours", path.resolve(against)] } : {}),
  };
  const traced = Object.keys(cases).filter((k) => k !== "untraced");
  const ms = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  try {
    for (let i = 0; i < runs; i++)
      for (const [k, [mode, module]] of Object.entries(cases)) {
        const r = spawnSync(process.execPath, [child, mode, port, module ?? ""], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`cold-start child (${mode}) failed: ${r.stderr}`);
        ms[k].push(JSON.parse(r.stdout.trim()));
      }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    sink.close();
  }
  const m = (k, key) => median(ms[k].map((row) => row[key]));
  const result = { runs };
  for (const key of ["wallMs", "cpuMs"]) {
    const unit = key === "wallMs" ? "Ms" : "CpuMs";
    for (const k of Object.keys(cases)) result[`${k}${unit}`] = m(k, key);
    for (const k of traced) result[`${k}Added${unit}`] = m(k, key) - m("untraced", key);
  }
  for (const k of traced)
    for (const p of PHASES)
      for (const unit of ["Ms", "CpuMs"]) result[`${k}${p[0].toUpperCase()}${p.slice(1)}${unit}`] = m(k, `${p}${unit}`);
  result.untracedInvocationMs = m("untraced", "invocationMs");
  result.untracedInvocationCpuMs = m("untraced", "invocationCpuMs");
  const f = (n) => n.toFixed(1);
  for (const [label, unit] of [
    ["wall", "Ms"],
    ["CPU", "CpuMs"],
  ])
    console.log(
      `cold start (${label}), ${runs} fresh processes  untraced ${f(result[`untraced${unit}`])} ms   traceHandler +${f(result[`oursAdded${unit}`])} ms   the floor: hand-written minimum +${f(result[`floorAdded${unit}`])} ms, with a wasm core +${f(result[`floorWasmAdded${unit}`])} ms${against ? `   against (${against}) +${f(result[`againstAdded${unit}`])} ms` : ""}`,
    );
  const phases = (k, unit) => PHASES.map((p) => `${p} ${f(result[`${k}${p[0].toUpperCase()}${p.slice(1)}${unit}`])}`).join(", ");
  for (const k of traced) console.log(`  ${k.padEnd(9)} phases (wall ms): ${phases(k, "Ms")}   (CPU ms): ${phases(k, "CpuMs")}`);
  console.log(`  untraced  invocation ${f(result.untracedInvocationMs)} ms wall, ${f(result.untracedInvocationCpuMs)} ms CPU`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf("--against");
  await runColdStart({ quick: process.argv.includes("--quick"), against: at > 0 ? process.argv[at + 1] : undefined });
}
