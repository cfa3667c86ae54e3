// The subpaths' bundles, none embedding another's code (owners.mjs says which bundle owns each
// source file). Each owner Y has up to two files (one for those in owners.mjs' servesFromEntry,
// whose dist/Y.js also exports what the others import):
//   dist/Y.js            its subpath: the entry's own code and side effects (the environment
//                        checked at import, the host platform set), and what only it uses;
//   dist/Y.internal.js   the files of Y that other bundles import, and the files those need: no
//                        top-level side effect of the entry, so that importing lambda's handler
//                        code from xray-edge/runtime does not check lambda's settings at import
//                        (the runtime reads them at init, to post a bad one as the init error).
// An import of Y's entry file becomes an import of dist/Y.js; of any other file of Y, of
// dist/Y.internal.js (Y.js itself imports it for them). So one copy of each file per process, and
// per app bundle. The internal files are not in the exports map, and their names are not API.
// (CommonJS: the same files with .cjs.)
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import entries from "./entries.json" with { type: "json" };
import { ownerOf, servesFromEntry } from "./owners.mjs";

const sourceOf = new Map(entries.map((e) => [e.name, e.source]));

/**
 * The esbuild plugin for one output of `name`: `internal` when it is dist/name.internal.*, and
 * `shared`, the files of `name` that live in its internal file (bundled there, imported here).
 */
function ownedImports({ name, ext, internal, shared, root, needs, seen }) {
  return {
    name: "owned-imports",
    setup: (b) =>
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const file = path.relative(root, path.resolve(args.resolveDir, args.path)).split(path.sep).join("/");
        const owner = ownerOf(file);
        if (owner === undefined) return undefined;
        if (owner === name) {
          seen?.add(file);
          // The entry's body is its import-time effect (the settings checked, the host platform set):
          // re-exported through `export *`, under the package's "sideEffects": false, esbuild would
          // drop a body whose own bindings nobody uses (host/index.ts has none).
          if (file === sourceOf.get(name)) return { path: path.resolve(args.resolveDir, args.path), sideEffects: true };
          return !internal && shared?.has(file) ? { path: `./${name}.internal.${ext}`, external: true } : undefined;
        }
        if (file === sourceOf.get(owner)) return { path: `./${owner}.${ext}`, external: true };
        needs?.get(owner)?.add(file);
        return { path: `./${owner}${servesFromEntry.has(owner) ? "" : ".internal"}.${ext}`, external: true };
      }),
  };
}

const exportAll = (files) => files.map((f) => `export * from "./${f}";\n`).join("");

/** Builds every bundle into dist/ (and its metafile into build/meta/). */
export async function buildBundles({ root, common, builds }) {
  const names = builds.map((b) => b.name);
  const needs = new Map(names.map((n) => [n, new Set()]));
  const analyse = (options) => build({ ...common, ...options, format: "esm", write: false, minify: false });
  // Which files of each owner the others import: from the public entries, then from the internal
  // files, until nothing new is found (an internal file may import another owner's).
  await Promise.all(
    builds.map(({ name, source }) =>
      analyse({ entryPoints: [source], plugins: [...common.plugins, ownedImports({ name, ext: "js", root, needs })] }),
    ),
  );
  const shared = new Map(names.map((n) => [n, new Set()]));
  for (let changed = true; changed; ) {
    changed = false;
    const before = JSON.stringify([...needs].map(([k, v]) => [k, [...v].sort()]));
    for (const name of names) {
      if (needs.get(name).size === 0) continue;
      const seen = new Set();
      await analyse({
        stdin: { contents: exportAll([...needs.get(name)]), resolveDir: root, sourcefile: `${name}-internal.ts`, loader: "ts" },
        plugins: [...common.plugins, ownedImports({ name, ext: "js", internal: true, root, needs, seen })],
      });
      for (const f of [...seen, ...needs.get(name)]) if (!shared.get(name).has(f)) shared.get(name).add(f), (changed = true);
    }
    if (JSON.stringify([...needs].map(([k, v]) => [k, [...v].sort()])) !== before) changed = true;
  }
  for (const { name, source } of builds)
    if (!servesFromEntry.has(name) && shared.get(name).has(source))
      throw new Error(`build: ${source} would be in ${name}.internal (its entry's side effects with it)`);

  rmSync(`${root}build/meta`, { recursive: true, force: true });
  mkdirSync(`${root}build/meta`, { recursive: true });
  const outputs = [];
  for (const { name, source } of builds) {
    const formats = name === "bootstrap" ? ["esm"] : ["esm", "cjs"];
    for (const format of formats) {
      const ext = format === "esm" ? "js" : "cjs";
      const files = [...shared.get(name)].filter((f) => f.endsWith(".ts")).sort();
      if (servesFromEntry.has(name)) {
        // One file: the entry, and the others' imports exported beside its own names.
        const all = [source, ...files.filter((f) => f !== source)];
        outputs.push([
          `${name}.${ext}`,
          {
            ...(files.length > 0
              ? { stdin: { contents: exportAll(all), resolveDir: root, sourcefile: `${name}-internal.ts`, loader: "ts" } }
              : { entryPoints: [source] }),
            plugins: [...common.plugins, ownedImports({ name, ext, root })],
            format,
          },
        ]);
        continue;
      }
      if (files.length > 0)
        outputs.push([
          `${name}.internal.${ext}`,
          {
            stdin: { contents: exportAll(files), resolveDir: root, sourcefile: `${name}-internal.ts`, loader: "ts" },
            plugins: [...common.plugins, ownedImports({ name, ext, internal: true, root })],
            format,
          },
        ]);
      outputs.push([
        `${name}.${ext}`,
        { entryPoints: [source], plugins: [...common.plugins, ownedImports({ name, ext, shared: shared.get(name), root })], format },
      ]);
    }
  }
  // Every bundle is minified: V8 parses a module whole before running it, and the main entry's
  // 85 kB readable bundle took 1.2 ms longer to import than its 52 kB minified one (medians of 11
  // fresh processes on Node 20). The metafiles are for test/package/bundles.test.ts.
  await Promise.all(
    outputs.map(async ([out, options]) => {
      const r = await build({ ...common, ...options, minify: true, metafile: true, outfile: `${root}dist/${out}` });
      writeFileSync(`${root}build/meta/${out}.json`, JSON.stringify(r.metafile));
    }),
  );
}
