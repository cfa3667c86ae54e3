// Node 24 in the test matrix (see ../node-binaries.ts for where that Node comes from), each run
// by Node 24 itself: the conformance suites; traceHandler's process and in-process tests (on Node
// 24 a callback handler is refused as nodejs24.x refuses it, callback.test.ts); and the custom
// runtime's loop under the `xray-edge invoke` emulator (test/runtime/faults.test.ts, whose helpers
// start the runtime with the Node that runs them: Node 24 here; its Bun and Deno cases run too).
// Each run goes on after a failure, so that one report covers all three; the exit code is the
// first failure's.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "../node-binaries.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const node = nodeBinary(24);
const uvu = (dir: string, pattern: string) => ["node_modules/uvu/bin.js", dir, pattern, "-i", "fixtures"];
const runs: [string, string[]][] = [
  ["conformance", ["test/runtimes/node24/conformance.ts"]],
  // Not concurrency.test.ts: that one already runs its driver on Node 24 in the lambda group.
  ["traceHandler", uvu("test/lambda", "^(callback|context|handler|sources|timeout|unref)\\.test\\.ts$")],
  ["runtime loop under the emulator", uvu("test/runtime", "^faults\\.test\\.ts$")],
];
let status = 0;
for (const [what, args] of runs) {
  console.log(`\nnode24: ${what}`);
  const r = spawnSync(node, ["--import", "./scripts/register.mjs", ...args], { cwd: root, stdio: "inherit" });
  if (r.status !== 0 && status === 0) status = r.status ?? 1;
}
process.exit(status);
