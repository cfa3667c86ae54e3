/**
 * ADOT's lite mode for the Lambda benchmark (bench/lambda.mjs), fetched on first use: the package
 * is over 100 MB installed and only the benchmark needs it, so it is not a devDependency (`npm ci`
 * stays lean) but is installed once, at the version pinned here, into the user's cache
 * (`<userCacheDir>/bench/adot-<version>`, bin/npm-package.ts), then reused.
 *
 * The folder is laid out as ADOT's Lambda layer lays out /opt (lambda-layer/ of
 * aws-observability/aws-otel-js-instrumentation): `opt/lite-wrapper.js` is the lite wrapper
 * (`configureLiteMode()` of the package's `./lite` export) bundled and minified as the layer's
 * webpack build bundles it, with the same modules left outside (import-in-the-middle,
 * require-in-the-middle, @aws-sdk/*, @smithy/*), which resolve from the folder's node_modules as
 * the layer's resolve from /opt/nodejs/node_modules. `task/` is the function's task root, holding
 * the handler as an ADOT user writes it (handler.cjs beside this file, copied at each run).
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { userCacheDir } from "../../bin/npm-package.ts";

export const ADOT_PACKAGE = "@aws/aws-distro-opentelemetry-node-autoinstrumentation";
/** The version the benchmark was written and checked against; a new one deserves a new look at its layer. */
export const ADOT_VERSION = "0.13.0";

/** npm's arguments, run in the cache folder: no lockfile, no install scripts, no audit or funding calls. */
export const INSTALL_ARGS: readonly string[] = [
  "install",
  "--omit=dev",
  "--ignore-scripts",
  "--no-package-lock",
  "--no-audit",
  "--no-fund",
  "--loglevel=error",
];

/** Modules the layer's webpack build keeps out of lite-wrapper.js (lambda-layer/packages/layer/webpack.config.js). */
export const LAYER_EXTERNALS: readonly string[] = ["import-in-the-middle", "require-in-the-middle", "@aws-sdk/*", "@smithy/*"];

const HANDLER_SOURCE = fileURLToPath(new URL("./handler.cjs", import.meta.url));

/** Where ADOT of `version` is kept: `<cacheRoot>/bench/adot-<version>`. */
export function adotDir(cacheRoot: string = userCacheDir(), version: string = ADOT_VERSION): string {
  return path.join(cacheRoot, "bench", `adot-${version}`);
}

export interface AdotOptions {
  /** The xray-edge cache folder; default userCacheDir(). */
  cacheRoot?: string;
  /** The npm command (a test's stand-in); default `npm`. */
  npm?: string;
  /** Called just before a download, with the folder it goes to. */
  onFetch?: (dir: string) => void;
}

export interface Adot {
  version: string;
  dir: string;
  /** The layer's /opt/lite-wrapper.js. */
  wrapper: string;
  /** The function's LAMBDA_TASK_ROOT, with index.js in it. */
  taskRoot: string;
  /** Whether this call installed it (false: taken from the cache). */
  fetched: boolean;
}

function installedVersion(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, "node_modules", ...ADOT_PACKAGE.split("/"), "package.json"), "utf8"));
    return typeof manifest.version === "string" ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

/** One line of what a failed command said, for the report's "n/a" reason: npm's first error line, not a warning before it. */
function reasonOf(error: unknown): string {
  const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
  const lines = (stderr || (error as Error).message || String(error)).split("\n");
  return lines.find((line) => line.startsWith("npm error")) ?? lines[0] ?? "";
}

/** Bundles the lite wrapper as the layer's build does (webpack there, esbuild here: the same inputs, externals and minification). */
async function bundleWrapper(dir: string, wrapper: string): Promise<void> {
  const { build } = await import("esbuild");
  const entry = path.join(dir, "lite-wrapper-entry.js");
  // The layer's src/lite-wrapper.ts, as it is.
  writeFileSync(entry, `const { configureLiteMode } = require("${ADOT_PACKAGE}/lite");\nconfigureLiteMode();\n`);
  await build({
    entryPoints: [entry],
    outfile: wrapper,
    bundle: true,
    platform: "node",
    format: "cjs",
    minify: true,
    external: [...LAYER_EXTERNALS],
    logLevel: "silent",
  });
}

/**
 * ADOT's lite mode ready to run: from the cache when it is there at the pinned version, else
 * installed now (npm, then the wrapper's bundle). Throws with the reason when it cannot be had
 * (offline, npm failing); a half-made folder is removed, so the next run starts clean.
 */
export async function prepareAdot(options: AdotOptions = {}): Promise<Adot> {
  const dir = adotDir(options.cacheRoot);
  const wrapper = path.join(dir, "opt", "lite-wrapper.js");
  const taskRoot = path.join(dir, "task");
  // The wrapper is written last, so its presence means the install before it succeeded.
  const cached = existsSync(wrapper) && installedVersion(dir) === ADOT_VERSION;
  if (!cached) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(path.join(dir, "opt"), { recursive: true });
    writeFileSync(
      path.join(dir, "package.json"),
      `${JSON.stringify({ private: true, description: "xray-edge's Lambda benchmark: ADOT's lite mode", dependencies: { [ADOT_PACKAGE]: ADOT_VERSION } }, null, 2)}\n`,
    );
    options.onFetch?.(dir);
    try {
      execFileSync(options.npm ?? "npm", [...INSTALL_ARGS], {
        cwd: dir,
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
        timeout: 600_000,
      });
      if (installedVersion(dir) !== ADOT_VERSION) throw new Error(`npm did not install ${ADOT_PACKAGE}@${ADOT_VERSION}`);
      await bundleWrapper(dir, wrapper);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`could not install ${ADOT_PACKAGE}@${ADOT_VERSION} into ${dir}: ${reasonOf(error)}`);
    }
  }
  mkdirSync(taskRoot, { recursive: true });
  copyFileSync(HANDLER_SOURCE, path.join(taskRoot, "index.js"));
  return { version: ADOT_VERSION, dir, wrapper, taskRoot, fetched: !cached };
}
