// Node module hook for running the TypeScript sources directly (tests, demo): a `.wasm` import
// becomes a module whose default export returns the file's bytes, the shape the bundles' esbuild
// plugin (scripts/wasm-plugin.mjs) gives it. Registered by scripts/register.mjs.
import { readFile } from "node:fs/promises";

export async function load(url, context, nextLoad) {
  if (!url.endsWith(".wasm")) return nextLoad(url, context);
  const bytes = await readFile(new URL(url));
  return {
    format: "module",
    shortCircuit: true,
    source: `const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString("base64"))}), (c) => c.charCodeAt(0));
export default function wasmBytes() { return bytes; }`,
  };
}
