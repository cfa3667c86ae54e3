/**
 * `--handler file.export --runtime node|bun|deno` → the command that runs this package's own
 * Runtime API loop (dist/bootstrap.js) under that runtime. Bun and Deno are taken from the
 * package's node_modules/.bin (they are its devDependencies), Node is the one running this command.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { packageRoot } from "../layer/package-root.ts";

export const RUNTIMES = ["node", "bun", "deno"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

/** The package root found by walking up from this file (bin/invoke/ in the repository, dist/bin/ installed). */
export const ownPackageRoot = (): string => packageRoot(fileURLToPath(import.meta.url));

export const bootstrapScript = (root: string): string => path.join(root, "dist", "bootstrap.js");

export function runtimeCommand(runtime: RuntimeName, root: string, nodePath: string = process.execPath): string[] {
  const script = bootstrapScript(root);
  const bin = (name: string): string => path.join(root, "node_modules", ".bin", name);
  switch (runtime) {
    case "node":
      return [nodePath, script];
    case "bun":
      return [bin("bun"), script];
    case "deno":
      return [bin("deno"), "run", "-A", script];
  }
}
