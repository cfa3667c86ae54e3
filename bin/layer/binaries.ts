/**
 * The Bun and Deno executables for a layer, from their npm platform packages for the chosen
 * architecture, of the same version as the package's own `bun`/`deno` devDependencies.
 */
import { existsSync, readFileSync } from "node:fs";
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

/** The executable's bytes for `runtime` on Linux `arch`. */
export function runtimeBinary(root: string, runtime: Runtime, arch: Arch): { bytes: Buffer; version: string; source: string } {
  const version = runtimeVersion(root, runtime);
  const { name, file } = PACKAGES[runtime][arch];
  return { bytes: readFileSync(npmPackageFile(root, name, version, file)), version, source: `${name}@${version}` };
}
