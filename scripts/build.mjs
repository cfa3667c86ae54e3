// npm run build: core.wasm (asc, the release target of asconfig.json); one minified esbuild bundle
// per entry, ESM and CommonJS, each importing the files the others own (owners.mjs), with the wasm
// embedded as base64 in the main entry's (wasm-plugin.mjs: no file is read at run time); the
// `xray-edge` command; then the type declarations (ESM and CommonJS).
import { execFileSync } from "node:child_process";
import { rmSync, mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import { build } from "esbuild";
// The entry points, one per subpath of the exports map ("." is `index`).
import entries from "./entries.json" with { type: "json" };
import { wasmPlugin } from "./wasm-plugin.mjs";
import { mirrorCjsTypes } from "./cjs-types.mjs";
import { runQuietly } from "./quiet-run.mjs";
import { buildBundles } from "./bundles.mjs";

const root = new URL("..", import.meta.url).pathname;
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

rmSync(`${root}dist`, { recursive: true, force: true });
mkdirSync(`${root}build`, { recursive: true });
// Its output goes through runQuietly (quiet-run.mjs): binaryen's "Last converge was suboptimal." is no problem.
runQuietly(root, process.execPath, [`${root}node_modules/assemblyscript/bin/asc.js`, "--config", "asconfig.json", "--target", "release"]);

const common = {
  bundle: true,
  platform: "neutral",
  target: "es2022",
  plugins: [wasmPlugin],
  // Node built-ins stay imports; each adapter loads only what its runtime has. aws4fetch (a
  // dependency, xray-edge/workers') is left to the app's bundler: one copy if the app uses it too.
  external: ["node:*", "@aws-sdk/*", "aws4fetch"],
  logLevel: "warning",
};
// One minified bundle per entry and the custom runtime's file, none embedding another's code
// (bundles.mjs); dist/bootstrap.js (`node|bun|deno dist/bootstrap.js`) runs startRuntime() on load.
await buildBundles({ root, common, builds: [...entries, { name: "bootstrap", source: "adapters/runtime/bootstrap.ts" }] });
// workerd's two files keep their own shape: the core from ./index.js beside them (its own build,
// below), the rest embedded, since dist/workerd/ has no copy of the other bundles.
const mainEntry = (ext) => ({
  name: "main-entry",
  setup: (b) =>
    b.onResolve({ filter: /(core|host)\/index\.ts$/ }, (args) =>
      args.kind === "entry-point" ? undefined : { path: `./index.${ext}`, external: true },
    ),
});

// workerd compiles no wasm from bytes: its build keeps `import … from "./core.wasm"`, and the file
// ships beside it (wrangler and workerd load it as a module). Selected by the "workerd" condition.
await build({
  ...common,
  plugins: [{ name: "wasm-module", setup: (b) => b.onResolve({ filter: /\.wasm$/ }, () => ({ path: "./core.wasm", external: true })) }],
  minify: true,
  entryPoints: [`${root}adapters/host/index.ts`],
  format: "esm",
  outfile: `${root}dist/workerd/index.js`,
});
copyFileSync(`${root}core/core.wasm`, `${root}dist/workerd/core.wasm`);
writeFileSync(`${root}dist/workerd/index.d.ts`, `export * from "../types/adapters/host/index.js";\n`);
// xray-edge/workers for workerd: the core from ./index.js beside it (the build above), not a second copy.
await build({
  ...common,
  plugins: [...common.plugins, mainEntry("js")],
  entryPoints: [`${root}adapters/workers/index.ts`],
  format: "esm",
  outfile: `${root}dist/workerd/workers.js`,
});
writeFileSync(`${root}dist/workerd/workers.d.ts`, `export * from "../types/adapters/workers/index.js";\n`);

// The `xray-edge` command: one file for Node, the daemon's AWS SDK (for --forward) left external.
await build({
  ...common,
  platform: "node",
  entryPoints: [`${root}bin/xray-edge.ts`],
  format: "esm",
  outfile: `${root}dist/bin/xray-edge.js`,
});

run(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"]);
mirrorCjsTypes(`${root}dist/types`, `${root}dist/types-cjs`);
// A declaration beside each bundle, for code that imports the bundle by path (the runtime runners).
for (const { name, source } of entries) {
  writeFileSync(`${root}dist/${name}.d.ts`, `export * from "./types/${source.replace(/\.ts$/, ".js")}";\n`);
}
console.log(`built core.wasm, ${entries.length} entries and the xray-edge command into dist/`);
