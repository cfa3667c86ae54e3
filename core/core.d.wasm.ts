/**
 * core.wasm (built by `npm run build`, not committed) as the bundles see it: esbuild's binary
 * loader, and scripts/wasm-loader.mjs when the sources run directly, turn it into its bytes.
 */
declare const bytes: Uint8Array<ArrayBuffer>;
export default bytes;
