import wasmBytes from "./core.wasm";

let compiled: WebAssembly.Module | undefined;

/**
 * core.wasm, embedded in the bundle and compiled on first use (synchronously: it keeps every API
 * synchronous, and ~15 KB compiles in about a millisecond). Runtimes that refuse to compile from
 * bytes (workerd) pass their own WebAssembly.Module to createXRay instead.
 */
export function embeddedModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(wasmBytes()));
}
