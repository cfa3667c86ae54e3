/**
 * core.wasm (built by `npm run build`, not committed) as the code sees it: a function returning
 * its bytes, where the bundles embed it as base64 (scripts/wasm-plugin.mjs) or the sources run
 * through a module hook (scripts/wasm-loader.mjs); or, in the workerd build, the module itself.
 */
declare const core: (() => Uint8Array<ArrayBuffer>) | WebAssembly.Module;
export default core;
