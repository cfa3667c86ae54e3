// The hand-written minimum (min-id.mjs) plus what any wasm core costs before its first call:
// core.wasm embedded as base64 as the bundles embed it, decoded, compiled, instantiated (stub imports).
// wasm-embed.mjs is written beside it by startup.mjs from core/core.wasm, never committed.
// newSegmentId is min-id.mjs's, copied rather than imported: a second module would add its own
// resolution and load to the floor.
// process.getBuiltinModule, as xray-edge takes it: a static `import … from "node:fs"` costs a fresh
// ESM process about 3.5 ms more (measured beside it, 21 processes, 2026-12-02).
const { closeSync, openSync, readSync } = process.getBuiltinModule("node:fs");
import { bytes } from "./wasm-embed.mjs";
const module = new WebAssembly.Module(bytes());
const imports = {};
for (const imp of WebAssembly.Module.imports(module)) {
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] =
    imp.kind === "function" ? () => 0 : imp.kind === "memory" ? new WebAssembly.Memory({ initial: 1 }) : undefined;
}
new WebAssembly.Instance(module, imports);
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export function newSegmentId() {
  const b = new Uint8Array(8);
  const fd = openSync("/dev/urandom", "r");
  readSync(fd, b, 0, 8, null);
  closeSync(fd);
  return hex(b);
}
