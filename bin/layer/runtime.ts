/**
 * The custom-runtime layers for `provided.al2023`: at the zip's root an executable `bootstrap`
 * that execs the bundled runtime binary (`bin/bun` or `bin/deno`) on the Runtime API loop
 * (`runtime/bootstrap.js`, the build of adapters/runtime/bootstrap.ts, with the bundles it imports).
 * The bootstrap finds its files relative to itself, so the zip works unzipped anywhere (/opt on
 * Lambda, a temporary folder in the tests).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ZipEntry } from "./zip.ts";
import { runtimeBinary, type Arch, type Runtime } from "./binaries.ts";

/**
 * How each runtime starts. Lambda's file system is read-only outside /tmp: Deno keeps its cache
 * in /tmp, Bun's transpiler cache is off; both keep any value the function sets. Deno's
 * --allow-all grants FFI, through which the UDP client sends (adapters/udp/deno-ffi.ts);
 * --unstable-net keeps Deno.listenDatagram as its fallback (see the README's UDP section).
 *
 * Deno resolves the function's npm packages from the node_modules folder its zip carries, as
 * Node does (--node-modules-dir=manual: nothing is downloaded or written at run time, and bare
 * specifiers and npm: ones both resolve there), and takes the function's deno.json or
 * deno.jsonc (its import map, compiler options) when the task root has one; else no config at
 * all, so that no file of the layer's is read as the function's.
 */
const EXEC: Record<Runtime, string> = {
  bun: [
    'export BUN_RUNTIME_TRANSPILER_CACHE_PATH="${BUN_RUNTIME_TRANSPILER_CACHE_PATH:-0}"',
    'exec "$DIR/bin/bun" "$DIR/runtime/bootstrap.js"',
  ].join("\n"),
  deno: [
    'export DENO_DIR="${DENO_DIR:-/tmp/deno_dir}"',
    "export DENO_NO_UPDATE_CHECK=1",
    'TASK="${LAMBDA_TASK_ROOT:-/var/task}"',
    'CONFIG="--no-config"',
    'for f in deno.json deno.jsonc; do if [ -f "$TASK/$f" ]; then CONFIG="--config=$TASK/$f"; break; fi; done',
    'exec "$DIR/bin/deno" run --allow-all --unstable-net --no-prompt "$CONFIG" --node-modules-dir=manual --no-lock "$DIR/runtime/bootstrap.js"',
  ].join("\n"),
};

export function bootstrapScript(runtime: Runtime, version: string): string {
  return `#!/bin/sh
# xray-edge custom runtime: the Lambda Runtime API loop on ${runtime} ${version}, traced.
set -e
DIR="$(cd "$(dirname "$0")" && pwd)"
${EXEC[runtime]}
`;
}

/** dist/bootstrap.js and every bundle it imports by a relative path, transitively. */
function runtimeFiles(dist: string): string[] {
  const files: string[] = [];
  const visit = (file: string) => {
    if (files.includes(file)) return;
    const full = path.join(dist, file);
    if (!existsSync(full)) throw new Error(`${full} missing: run "npm run build" first`);
    files.push(file);
    for (const m of readFileSync(full, "utf8").matchAll(/(?:from|import)\s*\(?\s*["']\.\/([\w.-]+\.js)["']/g)) visit(m[1]!);
  };
  visit("bootstrap.js");
  return files;
}

export function runtimeLayerEntries(root: string, runtime: Runtime, arch: Arch): { entries: ZipEntry[]; source: string } {
  const dist = path.join(root, "dist");
  const binary = runtimeBinary(root, runtime, arch);
  const entries: ZipEntry[] = [
    { name: "bootstrap", data: new TextEncoder().encode(bootstrapScript(runtime, binary.version)), mode: 0o755 },
    { name: `bin/${runtime}`, data: binary.bytes, mode: 0o755, level: 6 },
    // The bundles are ES modules: said for any runtime that asks (Node does).
    { name: "runtime/package.json", data: new TextEncoder().encode('{ "type": "module" }\n'), mode: 0o644 },
  ];
  for (const file of runtimeFiles(dist)) entries.push({ name: `runtime/${file}`, data: readFileSync(path.join(dist, file)), mode: 0o644 });
  return { entries, source: binary.source };
}
