// esbuild plugin: `import core from "./core.wasm"` becomes a function returning the wasm bytes,
// embedded deflated and base64-encoded (15 KB of wasm is 7 KB deflated: 9.6 KB of base64 instead
// of 20 KB) and inflated with fflate on first call, so importing costs only parsing a string.
import { readFile } from "node:fs/promises";
import { deflateRawSync, constants } from "node:zlib";

export const wasmPlugin = {
  name: "xray-edge-wasm",
  setup(build) {
    build.onLoad({ filter: /\.wasm$/ }, async (args) => {
      const packed = deflateRawSync(await readFile(args.path), { level: constants.Z_BEST_COMPRESSION });
      return {
        loader: "js",
        resolveDir: new URL("..", import.meta.url).pathname,
        contents: `import { inflateSync } from "fflate";
const packed = ${JSON.stringify(packed.toString("base64"))};
export default function wasmBytes() {
  return inflateSync(Uint8Array.from(atob(packed), (c) => c.charCodeAt(0)));
}`,
      };
    });
  },
};
