// In fresh processes (startup-child.mjs): import plus instantiation, then the first traced segment
// apart (it pays Node's crypto initialization, ~6 ms, which any user of the OS CSPRNG pays once),
// against require("aws-xray-sdk-core").
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./startup-child.mjs", import.meta.url));

function sample(which, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [child, which], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(r.stdout.trim().split(" ").map(Number));
  }
  const at = (k) => {
    const v = times.map((t) => t[k]).sort((a, b) => a - b);
    return { median: v[Math.floor(runs / 2)], p90: v[Math.floor(runs * 0.9)] };
  };
  return { ...at(0), first: times[0].length > 1 ? at(1) : undefined };
}

export function runStartup({ runs = 15 } = {}) {
  const o = sample("ours", runs);
  const a = sample("aws", runs);
  console.log(`import + instantiate        xray-edge ${o.median.toFixed(2)} ms (p90 ${o.p90.toFixed(2)})   aws-xray-sdk-core require ${a.median.toFixed(2)} ms (p90 ${a.p90.toFixed(2)}) (${(a.median / o.median).toFixed(1)}x)`);
  console.log(`first traced segment        xray-edge ${o.first.median.toFixed(2)} ms (p90 ${o.first.p90.toFixed(2)}), after the import`);
  return { ours: o.median, aws: a.median };
}
