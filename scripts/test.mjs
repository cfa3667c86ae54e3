// npm test (after the build): every uvu suite, group by group, then one closing line
// "tests: N passed, N failed". A group that fails to start fails the run.
import { spawnSync } from "node:child_process";
import { groups } from "./test-groups.mjs";

const only = process.argv.slice(2);
let passed = 0,
  failed = 0,
  skipped = 0;
const summary = [];
for (const group of groups) {
  if (only.length > 0 && !only.includes(group.name)) continue;
  const started = Date.now();
  const r = spawnSync(group.command[0], group.command.slice(1), {
    encoding: "utf8",
    env: { ...process.env, FORCE_COLOR: "0", ...group.env },
    maxBuffer: 64 * 1024 * 1024,
    timeout: group.timeoutMs ?? 600_000,
  });
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`;
  process.stdout.write(output);
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const total = [...plain.matchAll(/Total:\s+(\d+)\s+Passed:\s+(\d+)\s+Skipped:\s+(\d+)/g)];
  let p = 0,
    t = 0,
    s = 0;
  for (const m of total) {
    t += +m[1];
    p += +m[2];
    s += +m[3];
  }
  let f = t - p; // uvu's Total leaves skipped tests out
  if (r.status !== 0 || total.length === 0) f = Math.max(f, 1);
  passed += p;
  failed += f;
  skipped += s;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  summary.push(
    `${group.name.padEnd(14)} ${String(p).padStart(5)} passed ${String(f).padStart(3)} failed ${String(s).padStart(3)} skipped  ${seconds}s${r.error ? `  (${r.error.message})` : r.status !== 0 ? `  (exit ${r.status})` : ""}`,
  );
}
console.log("\n" + summary.join("\n"));
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
