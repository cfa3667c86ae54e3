/**
 * One file out of an npm package of a given version, for the binaries the project takes from the
 * registry (Bun and Deno for the layers, Node 22 for its test runner): `npm pack` fetches the
 * tarball (or takes it from npm's cache), `tar` unpacks the one file, and the result is kept in
 * node_modules/.cache/xray-edge for the next time. Returns the file's path.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";

export function npmPackageFile(root: string, name: string, version: string, file: string): string {
  const cache = path.join(root, "node_modules", ".cache", "xray-edge", `${name.replace("/", "__")}-${version}`);
  const target = path.join(cache, file);
  if (existsSync(target)) return target;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", cache, "--silent"], { stdio: ["ignore", "ignore", "inherit"] });
  const tarball = readdirSync(cache).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${name}@${version} produced no tarball`);
  execFileSync("tar", ["-xzf", path.join(cache, tarball), "-C", cache, file]);
  rmSync(path.join(cache, tarball));
  return target;
}
