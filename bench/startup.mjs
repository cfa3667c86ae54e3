// Start-up in fresh processes (startup-child.mjs, each spawned `runs` times, interleaved; median
// and p90): `await import("xray-edge")` plus the wasm's instantiation, against
// require("aws-xray-sdk-core"). Also shown: the same plus the first newSegmentId, and the first
// traced segment after that; and beside them the floor (startup-floor/): the hand-written minimum
// (one segment ID from /dev/urandom, as xray-edge reads it) alone and with a wasm core's fixed cost.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./startup-child.mjs", import.meta.url));
const floorDir = fileURLToPath(new URL("./startup-floor/", import.meta.url));

/** The floor's modules in a scratch folder, with core.wasm embedded as the bundles embed it. */
export function floorFiles() {
  const dir = mkdtempSync(path.join(tmpdir(), "xray-edge-floor-"));
  for (const f of ["child.mjs", "min-id.mjs", "min-id-static.mjs", "min-id-wasm.mjs", "min-handler.mjs", "cold-child.mjs"])
    copyFileSync(path.join(floorDir, f), path.join(dir, f));
  const base64 = readFileSync(fileURLToPath(new URL("../core/core.wasm", import.meta.url))).toString("base64");
  writeFileSync(
    path.join(dir, "wasm-embed.mjs"),
    `const b = ${JSON.stringify(base64)};\nexport const bytes = () => Buffer.from(b, "base64");\n`,
  );
  return dir;
}

function once(args) {
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`startup child (${args.join(" ")}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim());
}

/** Each case's rows, the cases taking turns so that a slow spell of the machine hits all of them. */
function sampleAll(cases, runs) {
  const rows = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [k, args] of Object.entries(cases)) rows[k].push(once(args));
  return Object.fromEntries(Object.entries(rows).map(([k, r]) => [k, stats(r, runs)]));
}

function stats(rows, runs) {
  const stats = {};
  for (const key of Object.keys(rows[0])) {
    const v = rows.map((row) => row[key]).sort((a, b) => a - b);
    stats[key] = { median: v[Math.floor(runs / 2)], p90: v[Math.min(runs - 1, Math.ceil(runs * 0.9) - 1)] };
  }
  return stats;
}

export function runStartup({ runs = 15 } = {}) {
  const dir = floorFiles();
  let all;
  try {
    all = sampleAll(
      {
        ours: [child, "ours"],
        aws: [child, "aws"],
        floor: [path.join(dir, "child.mjs"), path.join(dir, "min-id.mjs")],
        floorStatic: [path.join(dir, "child.mjs"), path.join(dir, "min-id-static.mjs")],
        floorWasm: [path.join(dir, "child.mjs"), path.join(dir, "min-id-wasm.mjs")],
      },
      runs,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const o = all.ours;
  const a = all.aws.require;
  const ms = (s) => `${s.median.toFixed(2)} ms (p90 ${s.p90.toFixed(2)})`;
  const vs = (s) => `(${(a.median / s.median).toFixed(1)}x)`;
  console.log(`start-up, ${runs} fresh processes each (median):`);
  console.log(`  import alone                     xray-edge ${ms(o.import)}`);
  console.log(
    `  import + instantiate             xray-edge ${ms(o.instantiate)}   aws-xray-sdk-core require ${ms(a)} ${vs(o.instantiate)}`,
  );
  console.log(`  import + first newSegmentId      xray-edge ${ms(o.firstId)} ${vs(o.firstId)}, includes the first entropy read`);
  console.log(`  then the first traced segment    xray-edge ${ms(o.firstSegment)}`);
  console.log(
    `  the floor, import + first ID     hand-written minimum ${ms(all.floor.firstId)}   with a wasm core ${ms(all.floorWasm.firstId)}`,
  );
  console.log(`    the minimum with a static import of node:fs instead   ${ms(all.floorStatic.firstId)}`);
  return {
    ours: o.instantiate.median,
    oursFirstId: o.firstId.median,
    aws: a.median,
    floor: all.floor.firstId.median,
    floorWasm: all.floorWasm.firstId.median,
    floorStatic: all.floorStatic.firstId.median,
  };
}
