/**
 * The Bun and Deno executables for a layer, from their npm platform packages for the chosen
 * architecture, of the same version as the package's own `bun`/`deno` devDependencies. A copy
 * already installed is used (the platform package, or the `bun`/`deno` package's own binary when
 * this is a Linux machine of that architecture); else the package is fetched into the user's cache.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { npmPackageFile } from "../npm-package.ts";

export type Runtime = "bun" | "deno";
export type Arch = "x64" | "arm64";

const PACKAGES: Record<Runtime, Record<Arch, { name: string; file: string }>> = {
  bun: {
    x64: { name: "@oven/bun-linux-x64", file: "package/bin/bun" },
    arm64: { name: "@oven/bun-linux-aarch64", file: "package/bin/bun" },
  },
  deno: {
    x64: { name: "@deno/linux-x64-glibc", file: "package/deno" },
    arm64: { name: "@deno/linux-arm64-glibc", file: "package/deno" },
  },
};

/** The version of the runtime this package was built and tested with (its devDependency). */
export function runtimeVersion(root: string, runtime: Runtime): string {
  const installed = path.join(root, "node_modules", runtime, "package.json");
  if (existsSync(installed)) return (JSON.parse(readFileSync(installed, "utf8")) as { version: string }).version;
  // An installed xray-edge has no devDependencies on disk: the version it declares, when exact.
  const declared = (JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { devDependencies?: Record<string, string> })
    .devDependencies?.[runtime];
  const exact = declared?.match(/\d+\.\d+\.\d+/)?.[0];
  if (!exact) throw new Error(`no version of ${runtime} found: install the package's devDependencies`);
  return exact;
}

/** `dir` and each folder above it: where npm may have installed a package that `dir` can use. */
export function ancestors(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    out.push(d);
    if (path.dirname(d) === d) return out;
  }
}

/** Where the `bun` and `deno` packages keep the host's binary once installed (bun's installer moves it there). */
const MAIN_BINARY: Record<Runtime, string> = { bun: "bin/bun.exe", deno: "deno" };

/**
 * The `bun`/`deno` package's own binary under `dirs`, when it is `version` and built for Linux
 * `arch` (this machine): more than a megabyte, so not the placeholder an install without scripts
 * leaves.
 */
function hostCopy(dirs: readonly string[], runtime: Runtime, version: string, arch: Arch): string | undefined {
  if (process.platform !== "linux" || process.arch !== arch) return undefined;
  for (const dir of dirs) {
    const folder = path.join(dir, "node_modules", runtime);
    try {
      if ((JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8")) as { version?: unknown }).version !== version) continue;
      const file = path.join(folder, MAIN_BINARY[runtime]);
      if (statSync(file).size > 1_000_000) return file;
    } catch {
      // not installed there
    }
  }
  return undefined;
}

/** The executable's path for `runtime` on Linux `arch`: an installed copy, else fetched into `cacheDir`. */
export function runtimeBinaryPath(
  root: string,
  runtime: Runtime,
  arch: Arch,
  cacheDir?: string,
): { file: string; version: string; source: string } {
  const version = runtimeVersion(root, runtime);
  const { name, file } = PACKAGES[runtime][arch];
  const dirs = ancestors(root);
  const found =
    hostCopy(dirs, runtime, version, arch) ?? npmPackageFile(name, version, file, { installedIn: dirs, ...(cacheDir ? { cacheDir } : {}) });
  return { file: found, version, source: `${name}@${version}` };
}

/** The executable's bytes for `runtime` on Linux `arch`. */
export function runtimeBinary(root: string, runtime: Runtime, arch: Arch): { bytes: Buffer; version: string; source: string } {
  const { file, version, source } = runtimeBinaryPath(root, runtime, arch);
  return { bytes: readFileSync(file), version, source };
}
