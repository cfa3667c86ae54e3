/**
 * `xray-edge layer node|bun|deno [--arch x64|arm64] [--out DIR]`: builds Lambda layer zips from the
 * installed package's build and prints each zip's path and size.
 */
import { parseArgs } from "node:util";
import path from "node:path";
import { packageRoot } from "./package-root.ts";
import { nodeLayerEntries } from "./node.ts";
import { runtimeLayerEntries } from "./runtime.ts";
import { DIRECT_UPLOAD_LIMIT_BYTES, writeZip, type ZipEntry } from "./zip.ts";
import type { Arch, Runtime } from "./binaries.ts";

export const LAYER_USAGE = `Usage: xray-edge layer <node|bun|deno>... [--arch x64|arm64] [--out DIR]

Builds Lambda layer zips from this package's build:
  node   xray-edge-node.zip: nodejs/node_modules/xray-edge (ESM and CommonJS), for the
         managed nodejs20.x/nodejs22.x runtimes
  bun    xray-edge-bun-<arch>.zip: bootstrap, bin/bun and the traced Runtime API loop,
         for provided.al2023 functions (under Lambda's 50 MiB direct-upload limit)
  deno   xray-edge-deno-<arch>.zip: the same with bin/deno

Options:
  --arch A     x64 or arm64, for bun and deno (default: x64); the binary comes from the
               npm package @oven/bun-linux-* or @deno/linux-*-glibc of the tested version
  --out DIR    where the zips go (default: dist/layers)
  -h, --help   show this help
`;

const KINDS = ["node", "bun", "deno"] as const;
const ARCHES: readonly Arch[] = ["x64", "arm64"];

export async function runLayerCommand(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: "string" }, arch: { type: "string" }, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    process.stderr.write(`xray-edge layer: ${(error as Error).message}\n\n${LAYER_USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(LAYER_USAGE);
    return 0;
  }
  const kinds = parsed.positionals;
  if (kinds.length === 0 || kinds.some((k) => !(KINDS as readonly string[]).includes(k))) {
    process.stderr.write(
      `xray-edge layer: expected node, bun or deno, got ${kinds.length ? kinds.map((k) => `"${k}"`).join(" ") : "nothing"}\n\n${LAYER_USAGE}`,
    );
    return 2;
  }
  const arch = (parsed.values.arch ?? "x64") as Arch;
  if (!ARCHES.includes(arch)) {
    process.stderr.write(`xray-edge layer: --arch "${arch}" is not valid: expected x64 or arm64\n`);
    return 2;
  }
  const out = path.resolve((parsed.values.out as string | undefined) ?? "dist/layers");
  const root = packageRoot();
  for (const kind of new Set(kinds)) {
    let file: string, entries: ZipEntry[];
    let from = "";
    try {
      if (kind === "node") {
        file = path.join(out, "xray-edge-node.zip");
        entries = nodeLayerEntries(root);
      } else {
        const built = runtimeLayerEntries(root, kind as Runtime, arch);
        file = path.join(out, `xray-edge-${kind}-${arch}.zip`);
        entries = built.entries;
        from = `  (${built.source})`;
      }
    } catch (error) {
      // No build, or the runtime binary could not be had: the message says which and what to do.
      process.stderr.write(`xray-edge layer: ${kind}: ${(error as Error).message}\n`);
      return 1;
    }
    let bytes: number;
    try {
      bytes = writeZip(file, entries);
    } catch (error) {
      // A bad --out (a file on the way, no permission, a read-only disk): named, without a stack.
      process.stderr.write(`xray-edge layer: --out ${out}: cannot write ${path.basename(file)}: ${(error as Error).message}\n`);
      return 1;
    }
    // Lambda counts its 50 MB limit in MiB: a 52.1 MB zip is 49.7 MiB, and can be uploaded directly.
    const size = bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB (${(bytes / 1048576).toFixed(1)} MiB)` : `${(bytes / 1000).toFixed(1)} kB`;
    const limit = bytes > DIRECT_UPLOAD_LIMIT_BYTES ? "  over Lambda's 50 MiB direct-upload limit: publish it from S3" : "";
    process.stdout.write(`${path.relative(process.cwd(), file) || file}  ${size}${from}${limit}\n`);
  }
  return 0;
}
