// Start-up in fresh processes (startup-child.mjs, each spawned `runs` times; median and p90):
// `await import("xray-edge")` plus the wasm's instantiation, against require("aws-xray-sdk-core").
// Also shown: the same plus the first newSegmentId, which pays Node's crypto initialization once
// (aws-xray-sdk-core pays it inside its require), and the first traced segment after that.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./startup-child.mjs", import.meta.url));

function sample(which, runs) {
  const rows = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [child, which], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`startup child (${which}) failed: ${r.stderr}`);
    rows.push(JSON.parse(r.stdout.trim()));
  }
  const stats = {};
  for (const key of Object.keys(rows[0])) {
    const v = rows.map((row) => row[key]).sort((a, b) => a - b);
    stats[key] = { median: v[Math.floor(runs / 2)], p90: v[Math.min(runs - 1, Math.ceil(runs * 0.9) - 1)] };
  }
  return stats;
}

export function runStartup({ runs = 15 } = {}) {
  const o = sample("ours", runs);
  const a = sample("aws", runs).require;
  const ms = (s) => `${s.median.toFixed(2)} ms (p90 ${s.p90.toFixed(2)})`;
  const vs = (s) => `(${(a.median / s.median).toFixed(1)}x)`;
  console.log(`start-up, ${runs} fresh processes each (median):`);
  console.log(`  import alone                     xray-edge ${ms(o.import)}`);
  console.log(
    `  import + instantiate             xray-edge ${ms(o.instantiate)}   aws-xray-sdk-core require ${ms(a)} ${vs(o.instantiate)}`,
  );
  console.log(`  import + first newSegmentId      xray-edge ${ms(o.firstId)} ${vs(o.firstId)}, includes Node's crypto initialization`);
  console.log(`  then the first traced segment    xray-edge ${ms(o.firstSegment)}`);
  return { ours: o.instantiate.median, oursFirstId: o.firstId.median, aws: a.median };
}
