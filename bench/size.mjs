// The bundle a user's bundler makes of each package, minified, and gzipped: xray-edge's ESM build
// for any runtime (platform neutral), aws-xray-sdk-core for Node (its built-ins left external).
// Then issue 14's handler bundle (xray-edge/lambda, /fetch and /aws-sdk, for Node) with where its
// bytes go, beside its floor: the hand-written minimum (startup-floor/min-handler.mjs) alone and
// with the wasm core embedded, the least any bundle with this core can weigh.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// The embedded core.wasm is the bundle's one long base64 string literal.
const base64Of = (text) => /"([A-Za-z0-9+/]{2000,}={0,2})"/.exec(text)?.[1] ?? "";

async function measureBundle(entry, platform, options = {}) {
  const r = await build({
    bundle: true,
    minify: true,
    format: "esm",
    platform,
    write: false,
    logLevel: "silent",
    metafile: true,
    ...entry,
    ...options,
  });
  const bytes = r.outputFiles[0].contents;
  const inputs = Object.values(r.metafile.outputs)[0].inputs;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, wasmBase64: base64Of(r.outputFiles[0].text).length, inputs };
}

const HANDLER = `import { traceHandler } from "./dist/lambda.js"; import { instrumentFetch } from "./dist/fetch.js"; import { captureAwsClient } from "./dist/aws-sdk.js";
export const handler = traceHandler(async () => { instrumentFetch(); captureAwsClient({}); return 1; });`;

export async function runSize() {
  const ours = await measureBundle({ entryPoints: [here("../dist/index.js")] }, "neutral");
  const aws = await measureBundle({ entryPoints: ["aws-xray-sdk-core"] }, "node");
  const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
  console.log(
    `bundle (minified / gzip)         xray-edge ${kb(ours.min)} / ${kb(ours.gzip)}   aws-xray-sdk-core ${kb(aws.min)} / ${kb(aws.gzip)} (${(aws.min / ours.min).toFixed(1)}x / ${(aws.gzip / ours.gzip).toFixed(1)}x)`,
  );
  console.log(
    `  of which the embedded wasm       ${kb(ours.wasmBase64)} of base64 (${kb((ours.wasmBase64 * 3) / 4)} of wasm); the JavaScript ${kb(ours.min - ours.wasmBase64)}`,
  );

  const stdin = (contents) => ({ stdin: { contents, resolveDir: here(".."), loader: "js" } });
  const handler = await measureBundle(stdin(HANDLER), "node", { external: ["@aws-sdk/*"] });
  const wasmBytes = readFileSync(here("../core/core.wasm")).length;
  const floor = await measureBundle({ entryPoints: [here("startup-floor/min-handler.mjs")] }, "node");
  const besideBytes = handler.min - handler.wasmBase64 + wasmBytes;
  const byFile = Object.fromEntries(
    Object.entries(handler.inputs)
      .filter(([f]) => f.startsWith("dist/"))
      .map(([f, v]) => [f.slice("dist/".length), v.bytesInOutput]),
  );
  console.log(
    `handler bundle (lambda, fetch, aws-sdk)  ${kb(handler.min)} minified / ${kb(handler.gzip)} gzip: the wasm ${kb(handler.wasmBase64)} of base64, the JavaScript ${kb(handler.min - handler.wasmBase64)}; the wasm shipped beside instead ${kb(besideBytes)}`,
  );
  console.log(
    `  by file   ${Object.entries(byFile)
      .map(([f, n]) => `${f} ${kb(n)}`)
      .join(", ")}`,
  );
  console.log(
    `  the floor: hand-written minimum ${kb(floor.min)}; with the wasm core embedded ${kb(floor.min + handler.wasmBase64)}, beside ${kb(floor.min + wasmBytes)}`,
  );
  return {
    ours: ours.min,
    oursGzip: ours.gzip,
    aws: aws.min,
    awsGzip: aws.gzip,
    handlerBytes: handler.min,
    handlerGzipBytes: handler.gzip,
    handlerWasmBase64Bytes: handler.wasmBase64,
    handlerJsBytes: handler.min - handler.wasmBase64,
    handlerWasmBesideBytes: besideBytes,
    handlerByFileBytes: byFile,
    wasmBytes,
    floorHandwrittenBytes: floor.min,
    floorWithWasmEmbeddedBytes: floor.min + handler.wasmBase64,
    floorWithWasmBesideBytes: floor.min + wasmBytes,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await runSize()));
