// Layer sizes: every zip `xray-edge layer` builds (the Node.js layer, and the Bun and Deno
// custom-runtime layers for x64 and arm64), built into a temporary folder by the real command,
// each with its zipped and unzipped size beside Lambda's limits. Sizes, not times: one build each.
// The runtime binaries come from the project's cache (bin/layer/binaries.ts): the first run for
// an architecture that is not this machine's fetches them from npm (about 50 MB each).
//
// `node bench/layers.mjs` prints the sizes; `node bench/layers.mjs --options` also measures what
// could make the Bun layer smaller (deflate levels and encoders, Bun's other Linux builds, strip):
// the figures docs/layers.md gives for the choice made in bin/layer.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { deflateSync } from "fflate";

const self = fileURLToPath(import.meta.url);
const root = path.join(path.dirname(self), "..");
const cli = path.join(root, "dist/bin/xray-edge.js");

/**
 * Lambda's limits, in the bytes it counts. Direct upload (PublishLayerVersion or UpdateFunctionCode
 * with the zip in the request): "50 MB", enforced as a request of at most 69,905,067 bytes, the
 * base64 of 50 MiB. Function and layers unzipped: "250 MB", its error says 262,144,000 bytes.
 */
export const LAMBDA_LIMITS = { directUploadZipBytes: 50 * 1048576, unzippedBytes: 250 * 1048576 };

/** Entries of a zip from its central directory: count and the sum of their uncompressed sizes. */
export function zipContents(zip) {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--;
  if (end < 0) throw new Error("not a zip: no end of central directory");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  let unzipped = 0;
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    unzipped += view.getUint32(at + 24, true);
    at += 46 + view.getUint16(at + 28, true) + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return { files: count, unzippedBytes: unzipped };
}

const mib = (n) => `${(n / 1048576).toFixed(2)} MiB`;

/** Builds `kinds` for `arch` with the real command into `out`. */
function build(kinds, arch, out) {
  const r = spawnSync(process.execPath, [cli, "layer", ...kinds, "--arch", arch, "--out", out], { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`xray-edge layer ${kinds.join(" ")} --arch ${arch}: ${r.stderr || r.error}`);
}

/**
 * Every layer's size in bytes, by zip name (`node`, `bun-x64`, `deno-arm64`...), beside the
 * limits. `arches`: which architectures' runtime layers to build (both by default).
 */
export function runLayers({ arches = ["x64", "arm64"] } = {}) {
  if (!existsSync(cli)) throw new Error(`${cli} missing: run "npm run build" first`);
  const out = mkdtempSync(path.join(tmpdir(), "xray-edge-bench-layers-"));
  const layers = {};
  try {
    for (const [i, arch] of arches.entries()) build(i === 0 ? ["node", "bun", "deno"] : ["bun", "deno"], arch, out);
    const names = ["node", ...arches.flatMap((a) => [`bun-${a}`, `deno-${a}`])];
    for (const name of names) {
      const zip = readFileSync(path.join(out, `xray-edge-${name}.zip`));
      const { files, unzippedBytes } = zipContents(zip);
      const entry = {
        zipBytes: zip.length,
        unzippedBytes,
        files,
        underDirectUpload: zip.length <= LAMBDA_LIMITS.directUploadZipBytes,
        underUnzipped: unzippedBytes <= LAMBDA_LIMITS.unzippedBytes,
      };
      layers[name] = entry;
      console.log(
        `layer ${`xray-edge-${name}.zip`.padEnd(26)} ${String(entry.zipBytes).padStart(9)} B zipped (${mib(entry.zipBytes)} of ${mib(LAMBDA_LIMITS.directUploadZipBytes)}: ${entry.underDirectUpload ? "direct upload" : "OVER, upload through S3"})   ${String(unzippedBytes).padStart(10)} B unzipped (${((100 * unzippedBytes) / LAMBDA_LIMITS.unzippedBytes).toFixed(0)}% of 250 MiB)   ${files} files`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  return { limits: LAMBDA_LIMITS, layers };
}

/** `name@version`'s `package/bin/bun`, unpacked with npm and tar into `dir`. */
function bunBuild(name, version, dir) {
  const folder = path.join(dir, name.replace(/[@/]/g, "_"));
  mkdirSync(folder, { recursive: true });
  const tarball = execFileSync("npm", ["pack", "--silent", `${name}@${version}`], { cwd: folder, encoding: "utf8" })
    .trim()
    .split("\n")
    .pop();
  execFileSync("tar", ["-xzf", path.join(folder, tarball), "-C", folder, "package/bin/bun"]);
  return path.join(folder, "package/bin/bun");
}

/** Bytes of the .symtab and .strtab sections (what `strip` removes), from `readelf -S`. */
function symbolBytes(file) {
  const text = execFileSync("readelf", ["-S", "-W", file], { encoding: "utf8" });
  let total = 0;
  for (const m of text.matchAll(/\]\s+\.(?:symtab|strtab|debug\w*)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)/g))
    total += Number.parseInt(m[1], 16);
  return total;
}

/** The Bun layer's options: each Linux build's size deflated by fflate (levels 6, 9) and zlib (9). */
export function measureBunOptions() {
  const version = JSON.parse(readFileSync(path.join(root, "node_modules/bun/package.json"), "utf8")).version;
  const dir = mkdtempSync(path.join(tmpdir(), "xray-edge-bench-bun-"));
  const builds = {};
  try {
    for (const suffix of ["x64", "x64-baseline", "x64-musl", "x64-musl-baseline", "aarch64", "aarch64-musl"]) {
      const name = `@oven/bun-linux-${suffix}`;
      const file = bunBuild(name, version, dir);
      const bytes = readFileSync(file);
      const interpreter = /interpreter ([^\s,]+)/.exec(execFileSync("file", ["-L", file], { encoding: "utf8" }))?.[1];
      const b = {
        bytes: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        interpreter,
        symbolBytes: symbolBytes(file),
        fflate6Bytes: deflateSync(bytes, { level: 6 }).length,
        fflate9Bytes: deflateSync(bytes, { level: 9 }).length,
        zlib9Bytes: deflateRawSync(bytes, { level: 9, memLevel: 9 }).length,
      };
      builds[suffix] = b;
      console.log(
        `bun ${version} ${suffix.padEnd(18)} ${b.bytes} B, deflated: fflate 6 ${b.fflate6Bytes} B, fflate 9 ${b.fflate9Bytes} B, zlib 9 ${b.zlib9Bytes} B; symbols ${b.symbolBytes} B; ${interpreter}; sha256 ${b.sha256.slice(0, 12)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { version, builds };
}

if (process.argv[1] === self) {
  const result = { ...runLayers(), ...(process.argv.includes("--options") ? { bunOptions: measureBunOptions() } : {}) };
  if (process.argv.includes("--json")) console.log(JSON.stringify(result, null, 2));
}
