// npm run bench: every suite in turn, then one report: each case's median for xray-edge beside
// each peer's and each floor's, measured in the same run (bench/report/cases.mjs), and the issues'
// targets judged on those figures (bench/report/targets.mjs). A full run writes bench/results.json,
// from which `node bench/report/readme.mjs` writes the README's performance section. Reports
// only: it exits 0 (timings are too noisy to fail a build on); a suite that fails is reported as
// such and its figures read "n/a" while the others still run.
//   --quick          one round, shorter runs (not written to results.json unless --out is given)
//   --only=a,b       only those suites (same)
//   --out=FILE       where to write the results
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { collectCases } from "./report/cases.mjs";
import { printReport } from "./report/render.mjs";
import { judgeTargets } from "./report/targets.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = process.argv.includes("--quick");
const only = arg("only")?.split(",");
const out = arg("out") ?? (quick || only ? undefined : `${root}bench/results.json`);

const SUITES = {
  micro: async () => (await import("./micro.mjs")).runMicro({ quick }),
  startup: async () => (await import("./startup.mjs")).runStartup({ runs: quick ? 5 : 15 }),
  cold: async () => (await import("./startup-cold.mjs")).runColdStart({ quick }),
  size: async () => (await import("./size.mjs")).runSize(),
  memory: async () => (await import("./memory.mjs")).runMemory({ total: quick ? 100_000 : 1_000_000, quick }),
  udp: async () => (await import("./udp.mjs")).runUdp({ quick }),
  lambda: async () => (await import("./lambda.mjs")).runLambda({ quick }),
  invocation: async () => (await import("./invocation.mjs")).runInvocationCost({ quick }),
  runtimes: async () => (await import("./runtime.mjs")).runRuntimes({ quick }),
  http: async () => (await import("./http.mjs")).runHttp({ quick }),
  layers: async () => (await import("./layers.mjs")).runLayers(),
};

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const version = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8" }).trim().split("\n")[0];
  } catch {
    return "n/a";
  }
};

/** The machine's speed that day: a fresh `node -e 0`, median of 7. */
function nodeStartMs() {
  const times = [];
  for (let i = 0; i < 7; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ["-e", "0"]);
    times.push(performance.now() - t);
  }
  return median(times);
}

const meta = {
  date: new Date().toISOString().slice(0, 10),
  command: "npm run bench",
  machine: `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}`,
  runtimes: {
    node: process.version,
    bun: version(`${root}node_modules/.bin/bun`, ["--version"]),
    deno: version(`${root}node_modules/.bin/deno`, ["--version"])
      .replace(/^deno /, "")
      .replace(/ .*/, ""),
  },
  nodeStartMs: nodeStartMs(),
  quick,
};
console.log(
  `xray-edge benchmarks: ${Object.entries(meta.runtimes)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}, ${meta.date}${quick ? " (quick)" : ""}`,
);
console.log(`${meta.machine}; node -e 0 takes ${meta.nodeStartMs.toFixed(1)} ms here\n`);

const suites = {};
const failed = {};
for (const [name, run] of Object.entries(SUITES)) {
  if (only && !only.includes(name)) continue;
  try {
    suites[name] = await run();
  } catch (error) {
    failed[name] = String(error?.message ?? error).split("\n")[0];
    console.log(`${name}: FAILED, ${error?.stack ?? error}`);
  }
  console.log();
}

const cases = collectCases(suites);
const targets = judgeTargets(suites);
console.log(printReport({ cases, targets }));
if (out) {
  writeFileSync(out, `${JSON.stringify({ meta, failed, cases, targets, suites }, null, 1)}\n`);
  console.log(`\nwritten to ${out}; \`node bench/report/readme.mjs\` writes the README's section from it`);
}
process.exitCode = 0;
