// Runs the conformance suites on Node 22 (see ../node-binaries.ts for where that Node comes from).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { nodeBinary } from "../node-binaries.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const r = spawnSync(nodeBinary(22), ["--import", "./scripts/register.mjs", "test/runtimes/node22/conformance.ts"], {
  cwd: root,
  stdio: "inherit",
});
process.exit(r.status ?? 1);
