// The bundle a user's bundler makes of each package, minified, and gzipped: xray-edge's ESM build
// for any runtime (platform neutral), aws-xray-sdk-core for Node (its built-ins left external).
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

async function measureBundle(entry, platform) {
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", platform, write: false, logLevel: "silent" });
  const bytes = r.outputFiles[0].contents;
  // The embedded core.wasm is the bundle's one long base64 string literal.
  const base64 = /"([A-Za-z0-9+/]{2000,}={0,2})"/.exec(r.outputFiles[0].text)?.[1] ?? "";
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, wasmBase64: base64.length };
}

export async function runSize() {
  const ours = await measureBundle(fileURLToPath(new URL("../dist/index.js", import.meta.url)), "neutral");
  const aws = await measureBundle("aws-xray-sdk-core", "node");
  const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
  console.log(
    `bundle (minified / gzip)         xray-edge ${kb(ours.min)} / ${kb(ours.gzip)}   aws-xray-sdk-core ${kb(aws.min)} / ${kb(aws.gzip)} (${(aws.min / ours.min).toFixed(1)}x / ${(aws.gzip / ours.gzip).toFixed(1)}x)`,
  );
  console.log(
    `  of which the embedded wasm       ${kb(ours.wasmBase64)} of base64 (${kb((ours.wasmBase64 * 3) / 4)} of wasm); the JavaScript ${kb(ours.min - ours.wasmBase64)}`,
  );
  return { ours: ours.min, oursGzip: ours.gzip, aws: aws.min, awsGzip: aws.gzip };
}
