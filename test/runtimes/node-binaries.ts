// The other Node versions the tests run on, from the npm registry as the platform package of the
// official build (node-<os>-<arch>, which ships the binary itself and needs no install script).
// Not devDependencies: those packages refuse other platforms at `npm ci`, and their `node` bin
// would shadow the Node that runs npm. One list, so every group tests the same versions.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { npmPackageFile } from "../../bin/npm-package.ts";

export const NODE_VERSIONS = { 22: "22.23.3", 24: "24.22.3" } as const;

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The path of the `node` binary of that major version, fetched once into the repository's own cache. */
export function nodeBinary(major: keyof typeof NODE_VERSIONS): string {
  return npmPackageFile(`node-${process.platform}-${process.arch}`, NODE_VERSIONS[major], "package/bin/node", {
    cacheDir: join(root, "node_modules", ".cache", "xray-edge"),
  });
}
