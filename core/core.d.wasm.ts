/**
 * core.wasm (built by `npm run build`, not committed) as the code sees it: a function returning
 * its bytes. The bundles embed it as base64 (scripts/wasm-plugin.mjs); running the sources, a
 * module hook reads the file (scripts/wasm-loader.mjs).
 */
declare function wasmBytes(): Uint8Array<ArrayBuffer>;
export default wasmBytes;
