import bytes from "./core.wasm";

let compiled: WebAssembly.Module | undefined;

/**
 * core.wasm, embedded in the bundle as bytes and compiled on first use (synchronously: about a
 * millisecond for ~15 KB, and it keeps every API synchronous). Runtimes that refuse to compile
 * from bytes (workerd) pass their own WebAssembly.Module to createXRay instead.
 */
export function embeddedModule(): WebAssembly.Module {
  return (compiled ??= new WebAssembly.Module(bytes));
}
