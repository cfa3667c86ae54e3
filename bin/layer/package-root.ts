/**
 * The installed xray-edge package's folder, found from this file's place: `bin/layer/` in the
 * repository (run from sources) or `dist/bin/` (the published command); the first ancestor whose
 * package.json is named xray-edge.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = path.dirname(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "xray-edge") return dir;
    if (path.dirname(dir) === dir) throw new Error(`xray-edge's package.json not found above ${from}`);
  }
}
