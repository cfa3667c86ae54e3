// CommonJS consumers need CommonJS declarations: `require("xray-edge")` typed by an ESM .d.ts is
// "masquerading as ESM" (are-the-types-wrong). tsc emits .d.cts only from .cts sources, so the
// emitted declarations are mirrored as .d.cts, their relative imports pointing at .cjs names
// (which TypeScript resolves to the .d.cts siblings).
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname, relative } from "node:path";

export function mirrorCjsTypes(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
    const source = join(entry.parentPath ?? entry.path, entry.name);
    const target = join(to, relative(from, source)).replace(/\.d\.ts$/, ".d.cts");
    const text = readFileSync(source, "utf8").replace(/(from\s+|import\()(["'])(\.{1,2}\/[^"']+?)\.(ts|js)\2/g, "$1$2$3.cjs$2");
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}
