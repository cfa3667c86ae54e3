/**
 * `--handler file.export --runtime node|bun|deno` → the command that runs this package's own
 * Runtime API loop (dist/bootstrap.js) under that runtime. Node is the one running this command;
 * Bun and Deno are found (findRuntime) as a user of the package has them: in the project's
 * node_modules/.bin, on PATH, else the tested version fetched from npm into the user's cache.
 */
import { accessSync, constants, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ancestors, runtimeVersion } from "../layer/binaries.ts";
import { packageRoot } from "../layer/package-root.ts";
import { npmPackageFile } from "../npm-package.ts";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** The package root found by walking up from this file (bin/invoke/ in the repository, dist/bin/ installed). */
export const ownPackageRoot = (): string => packageRoot(fileURLToPath(import.meta.url));

export const bootstrapScript = (root: string): string => path.join(root, "dist", "bootstrap.js");

/**
 * The command line; `binary` is the Bun or Deno executable (default: the package's own
 * node_modules/.bin copy, which the repository's demo and tests use).
 */
export function runtimeCommand(runtime: RuntimeName, root: string, nodePath: string = process.execPath, binary?: string): string[] {
  const script = bootstrapScript(root);
  const bin = (name: string): string => binary ?? path.join(root, "node_modules", ".bin", name);
  switch (runtime) {
    case "node":
      return [nodePath, script];
    case "bun":
      return [bin("bun"), script];
    case "deno":
      return [bin("deno"), "run", "-A", script];
  }
}

/** The npm package holding the executable for this machine, per runtime (as `bun` and `deno` install them). */
function hostPackage(runtime: "bun" | "deno", platform: string, arch: string): { name: string; file: string } | undefined {
  const exe = platform === "win32" ? ".exe" : "";
  if (runtime === "bun") {
    const os = platform === "win32" ? "windows" : platform;
    const cpu = arch === "arm64" ? "aarch64" : arch;
    if (!["linux", "darwin", "windows"].includes(os) || !["x64", "aarch64"].includes(cpu)) return undefined;
    return { name: `@oven/bun-${os}-${cpu}`, file: `package/bin/bun${exe}` };
  }
  if (!["linux", "darwin", "win32"].includes(platform) || !["x64", "arm64"].includes(arch)) return undefined;
  return { name: `@deno/${platform}-${arch}${platform === "linux" ? "-glibc" : ""}`, file: `package/deno${exe}` };
}

function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export interface RuntimeSearch {
  /** The xray-edge package's folder (its tested versions; its own node_modules in a clone). */
  root: string;
  /** Where the user's project may be: the task root and the working directory. */
  from: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Where a fetched binary goes; default the user's cache (npm-package.ts). */
  cacheDir?: string;
  /** Said before a download, which takes a while (about 100 MB): the package and the cache folder. */
  onFetch?: (what: string, cacheDir: string) => void;
}

export interface FoundRuntime {
  file: string;
  /** How it was found: "project" (node_modules/.bin), "PATH", or "npm" (the user's cache). */
  source: "project" | "PATH" | "npm";
}

/**
 * Bun or Deno for `invoke --runtime`: node_modules/.bin in the folders above each of `from` and
 * above the package (an installed xray-edge sits in the project's node_modules), then PATH, then
 * the version xray-edge was tested with, from npm into the cache. Throws with what to do.
 */
export function findRuntime(runtime: "bun" | "deno", search: RuntimeSearch): FoundRuntime {
  const exe = process.platform === "win32" ? `${runtime}.exe` : runtime;
  const seen = new Set<string>();
  for (const start of [...search.from, search.root]) {
    for (const dir of ancestors(start)) {
      if (seen.has(dir)) continue;
      seen.add(dir);
      const file = path.join(dir, "node_modules", ".bin", exe);
      if (isExecutable(file)) return { file, source: "project" };
    }
  }
  const PATH = (search.env ?? process.env).PATH ?? "";
  for (const dir of PATH.split(path.delimiter)) {
    if (dir === "" || !path.isAbsolute(dir)) continue; // a relative entry would depend on the task root
    const file = path.join(dir, exe);
    if (isExecutable(file)) return { file, source: "PATH" };
  }
  const pkg = hostPackage(runtime, process.platform, process.arch);
  if (!pkg)
    throw new Error(`no ${runtime} found in node_modules/.bin or on PATH, and npm has none for ${process.platform}-${process.arch}`);
  const version = runtimeVersion(search.root, runtime);
  const file = npmPackageFile(pkg.name, version, pkg.file, {
    ...(search.cacheDir ? { cacheDir: search.cacheDir } : {}),
    onFetch: (dir) => search.onFetch?.(`${pkg.name}@${version}`, dir),
  });
  return { file, source: "npm" };
}
