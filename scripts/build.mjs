// npm run build: core.wasm (asc, the release target of asconfig.json); one minified esbuild bundle
// per entry, ESM and CommonJS, each importing the files the others own (owners.mjs), with the wasm
// embedded as base64 in the main entry's (wasm-plugin.mjs: no file is read at run time); the
// `xray-edge` command; then the type declarations (ESM and CommonJS).
import { execFileSync } from "node:child_process";
import { rmSync, mkdirSync, writeFileSync, copyFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
// The entry points, one per subpath of the exports map ("." is `index`).
import entries from "./entries.json" with { type: "json" };
import { wasmPlugin } from "./wasm-plugin.mjs";
import { mirrorCjsTypes } from "./cjs-types.mjs";
import { runQuietly } from "./quiet-run.mjs";
import { ownerOf } from "./owners.mjs";

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
// No bundle embeds another's code (scripts/owners.mjs says which bundle owns each file): an import
// of a file another bundle owns becomes an import of that bundle, `./udp.js` or `./udp.cjs`. One
// copy of the core, the context and the UDP client per process, and the wasm shipped once.
const ownedImports = (name, ext, needs) => ({
  name: "owned-imports",
  setup: (b) =>
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const file = path.relative(root, path.resolve(args.resolveDir, args.path)).split(path.sep).join("/");
      const owner = ownerOf(file);
      if (owner === undefined || owner === name) return undefined;
      needs?.get(owner)?.add(file);
      return { path: `./${owner}.${ext}`, external: true };
    }),
});
const builds = [...entries, { name: "bootstrap", source: "adapters/runtime/bootstrap.ts" }];
// First pass (nothing written): which files of each bundle the others import. Those files' exports
// join the owner's bundle beside its public ones (the types declare only the public ones).
const needs = new Map(builds.map(({ name }) => [name, new Set()]));
await Promise.all(
  builds.map(({ name, source }) =>
    build({ ...common, plugins: [...common.plugins, ownedImports(name, "js", needs)], entryPoints: [source], format: "esm", write: false }),
  ),
);
const entryCode = (name, source) =>
  [source, ...[...needs.get(name)].filter((f) => f !== source).sort()].map((f) => `export * from "./${f}";\n`).join("");
// Every bundle is minified: V8 parses a module whole before running it, and the main entry's 85 kB
// readable bundle took 1.2 ms longer to import than its 52 kB minified one (medians of 11 fresh
// processes on Node 20). Each build's metafile goes to build/meta/ for test/package/bundles.test.ts.
mkdirSync(`${root}build/meta`, { recursive: true });
await Promise.all(
  builds.flatMap(({ name, source }) =>
    (name === "bootstrap" ? ["esm"] : ["esm", "cjs"]).map(async (format) => {
      const ext = format === "esm" ? "js" : "cjs";
      const r = await build({
        ...common,
        plugins: [...common.plugins, ownedImports(name, ext)],
        minify: true,
        metafile: true,
        // An entry none imports from is built from its file: `export *` of a module with no exports
        // (bootstrap.ts, all side effect) would be dropped under the package's "sideEffects": false.
        ...(needs.get(name).size === 0
          ? { entryPoints: [source] }
          : { stdin: { contents: entryCode(name, source), resolveDir: root, sourcefile: `${name}-entry.ts`, loader: "ts" } }),
        format,
        outfile: `${root}dist/${name}.${ext}`,
      });
      writeFileSync(`${root}build/meta/${name}.${ext}.json`, JSON.stringify(r.metafile));
    }),
  ),
);
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
