// Runs the conformance suites on Node 22, taken from the npm registry as the platform package of
// the official build (node-<os>-<arch>, which ships the binary itself and needs no install
// script). Not a devDependency: those packages refuse other platforms at `npm ci`, and their
// `node` bin would shadow the Node that runs npm. Fetched once into node_modules/.cache.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";

const VERSION = "22.23.3";
const root = new URL("../../../", import.meta.url).pathname;
const pkg = `node-${process.platform}-${process.arch}`;
const cache = join(root, "node_modules/.cache/xray-edge", `${pkg}-${VERSION}`);
const binary = join(cache, "package/bin/node");
if (!existsSync(binary)) {
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  execFileSync("npm", ["pack", `${pkg}@${VERSION}`, "--pack-destination", cache, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(cache).find((f) => f.endsWith(".tgz"));
  execFileSync("tar", ["-xzf", join(cache, tarball), "-C", cache, "package/bin/node"]);
  rmSync(join(cache, tarball));
}
const r = spawnSync(binary, ["--import", "./scripts/register.mjs", "test/runtimes/node22/conformance.ts"], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
