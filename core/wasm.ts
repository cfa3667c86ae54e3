import imported from "./core.wasm";

let compiled: WebAssembly.Module | undefined;

/**
 * core.wasm: in the bundles a function returning its embedded bytes, compiled on first use
 * (synchronously, which keeps every API synchronous); in the workerd build (dist/workerd), which
 * imports the file as a module, a WebAssembly.Module the runtime compiled: workerd refuses to
 * compile from bytes.
 */
export function embeddedModule(): WebAssembly.Module {
  return (compiled ??= imported instanceof WebAssembly.Module ? imported : new WebAssembly.Module(imported()));
}
