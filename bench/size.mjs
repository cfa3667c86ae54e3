// The bundle a user's bundler makes of each package, minified, and gzipped.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";

async function measureBundle(entry, platform) {
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: "esm", platform, write: false, logLevel: "silent" });
  const bytes = r.outputFiles[0].contents;
  return { min: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}

export async function runSize() {
  const ours = await measureBundle(fileURLToPath(new URL("../dist/index.js", import.meta.url)), "neutral");
  const aws = await measureBundle("aws-xray-sdk-core", "node");
  const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
  console.log(`bundle (minified / gzip)    xray-edge ${kb(ours.min)} / ${kb(ours.gzip)}   aws-xray-sdk-core ${kb(aws.min)} / ${kb(aws.gzip)} (${(aws.min / ours.min).toFixed(1)}x)`);
  return { ours: ours.min, aws: aws.min };
}
