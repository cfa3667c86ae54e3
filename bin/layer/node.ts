/**
 * The Node.js layer: `nodejs/node_modules/xray-edge/` with the ESM and CommonJS bundles and a
 * package.json whose exports name only them, so that both `import` and `require('xray-edge')`
 * resolve in the managed runtime (it puts /opt/nodejs/node_modules on NODE_PATH, which Lambda's
 * Node 18+ runtimes also search for ES modules).
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import type { ZipEntry } from "./zip.ts";

type Exports = Record<string, unknown>;

/** The export map without type declarations (not shipped in the layer) and without workerd's build. */
function runtimeExports(exports: Exports): Exports {
  const out: Exports = {};
  for (const [subpath, target] of Object.entries(exports)) {
    if (typeof target === "string") out[subpath] = target;
    else if (target && typeof target === "object") {
      const t = target as Record<string, { default?: string }>;
      out[subpath] = { import: t.import?.default, require: t.require?.default };
    }
  }
  return out;
}

export function nodeLayerEntries(root: string): ZipEntry[] {
  const dist = path.join(root, "dist");
  if (!existsSync(path.join(dist, "index.js"))) throw new Error(`no build in ${dist}: run "npm run build" first`);
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const layerManifest = {
    name: manifest.name,
    version: manifest.version,
    description: manifest.description,
    license: manifest.license,
    type: manifest.type,
    sideEffects: false,
    main: manifest.main,
    module: manifest.module,
    exports: runtimeExports(manifest.exports),
  };
  const prefix = "nodejs/node_modules/xray-edge/";
  const entries: ZipEntry[] = [
    { name: `${prefix}package.json`, data: new TextEncoder().encode(`${JSON.stringify(layerManifest, null, 2)}\n`), mode: 0o644 },
  ];
  for (const file of readdirSync(dist).sort()) {
    if (!/\.(js|cjs)$/.test(file)) continue;
    entries.push({ name: `${prefix}dist/${file}`, data: readFileSync(path.join(dist, file)), mode: 0o644 });
  }
  const license = path.join(root, "LICENSE");
  if (existsSync(license)) entries.push({ name: `${prefix}LICENSE`, data: readFileSync(license), mode: 0o644 });
  return entries;
}
