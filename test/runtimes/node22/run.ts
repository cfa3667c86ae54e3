// Runs the conformance suites on Node 22, taken from the npm registry as the platform package of
// the official build (node-<os>-<arch>, which ships the binary itself and needs no install
// script). Not a devDependency: those packages refuse other platforms at `npm ci`, and their
// `node` bin would shadow the Node that runs npm.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { npmPackageFile } from "../../../bin/npm-package.ts";

const VERSION = "22.23.3";
const root = fileURLToPath(new URL("../../../", import.meta.url));
const node = npmPackageFile(root, `node-${process.platform}-${process.arch}`, VERSION, "package/bin/node");
const r = spawnSync(node, ["--import", "./scripts/register.mjs", "test/runtimes/node22/conformance.ts"], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
