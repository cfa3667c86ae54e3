/**
 * Finds and imports the handler that `_HANDLER` names, the way Lambda's Node runtime reads the
 * name: `[folders/]file.export`, where the file is everything up to the first dot after the last
 * slash and the rest is the export, followed through dots (`index.api.get` is
 * `exports.api.get`), then through the module's default export (a CommonJS module's
 * `module.exports`). Folders are relative to the task root, or absolute; `..` is refused.
 *
 * The file is found by importing `file` + `.js`, `.mjs`, `.cjs`, `.ts` in turn by file URL: no
 * file system API, so the same code runs on Node, Bun and Deno. A candidate is skipped when the
 * import fails because that very file is missing; any other failure is the module's, and is
 * reported (a missing dependency, a syntax error, a throw). A `.ts` file on a Node that does not
 * strip types is reported as that, not as a missing module: the file is there.
 */
import { RuntimeError } from "./errors.ts";
import { cwd, importsTypeScript } from "./host.ts";

export interface HandlerName {
  /** Folders before the file, "" or ending with "/" (absolute when starting with "/"). */
  folder: string;
  file: string;
  /** The export, and the properties followed from it. */
  exportPath: string[];
}

const malformed = (name: string, why: string) =>
  new RuntimeError(
    "Runtime.MalformedHandlerName",
    `"${name}" is not a handler name: ${why} (expected file.export, e.g. index.handler or src/app.handler)`,
  );

export function parseHandlerName(name: string): HandlerName {
  if (name.trim() === "") throw malformed(name, "it is empty (set _HANDLER)");
  if (name.includes("..")) throw malformed(name, 'it contains ".."; use an absolute folder to leave the task root');
  const slash = name.lastIndexOf("/");
  const folder = name.slice(0, slash + 1);
  const base = name.slice(slash + 1);
  const dot = base.indexOf(".");
  if (dot < 0) throw malformed(name, "there is no dot between the file and the export");
  const file = base.slice(0, dot);
  const exportPath = base.slice(dot + 1).split(".");
  if (file === "") throw malformed(name, "the file name is empty");
  if (exportPath.some((p) => p === "")) throw malformed(name, "the export name is empty");
  return { folder, file, exportPath };
}

/** A file URL for an absolute path, each segment percent-encoded (spaces, `#`, `%`, `?`). */
export function fileUrl(path: string): URL {
  return new URL(`file://${path.split("/").map(encodeURIComponent).join("/")}`);
}

/** The extensions tried, in order (`.ts` everywhere: where it cannot run, the error says so). */
export function extensions(): string[] {
  return [".js", ".mjs", ".cjs", ".ts"];
}

interface NodeHost {
  execPath?: unknown;
  version?: unknown;
  versions?: { node?: unknown; bun?: unknown };
  getBuiltinModule?: (name: string) => unknown;
}

type SpawnSync = (
  file: string,
  args: string[],
  options: { encoding: "utf8"; timeout: number; stdio: string[] },
) => { stderr?: unknown; status?: unknown };

/** Node itself (not Bun or Deno, which also have a `process`), with its built-in loader (20.16+). */
function nodeHost(): NodeHost | undefined {
  const g = globalThis as { process?: NodeHost; Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined || g.Bun !== undefined || typeof g.process?.versions?.node !== "string") return undefined;
  return typeof g.process.getBuiltinModule === "function" ? g.process : undefined;
}

/**
 * Where a syntax error is, as `path:line:column`, on Node: its SyntaxError from an ES module names
 * neither file nor line (it keeps them for the uncaught-error printer only), so `node --check`,
 * which prints them, is asked. Only on this failure path, once; undefined when it cannot tell.
 */
export function nodeSyntaxLocation(path: string): string | undefined {
  const node = nodeHost();
  if (!node || typeof node.execPath !== "string") return undefined;
  try {
    const spawnSync = (node.getBuiltinModule!("node:child_process") as { spawnSync?: SpawnSync }).spawnSync;
    if (typeof spawnSync !== "function") return undefined;
    const result = spawnSync(node.execPath, ["--check", path], { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "ignore", "pipe"] });
    const lines = String(result.stderr ?? "").split("\n");
    const at = lines.findIndex((l) => l.startsWith(`${path}:`));
    const line = at < 0 ? undefined : /:(\d+)$/.exec(lines[at]!)?.[1];
    if (line === undefined) return undefined;
    // The source line, then a caret under the column.
    const caret = lines[at + 2]?.indexOf("^") ?? -1;
    return caret >= 0 ? `${path}:${line}:${caret + 1}` : `${path}:${line}`;
  } catch {
    return undefined;
  }
}

/** A `.ts` handler where Node does not strip types: what to do instead. */
function typeScriptOnNode(path: string): RuntimeError {
  const version = String(nodeHost()?.version ?? (globalThis as { process?: { version?: unknown } }).process?.version ?? "");
  const text =
    `${path} is TypeScript, which Node ${version} does not run: compile it to .js or .mjs, ` +
    "or run it on Node 22.18 or later (which strips types), Bun or Deno";
  return new RuntimeError("Runtime.ImportModuleError", text, { stack: text });
}

const ANSI = /\u001b\[[0-9;]*m/g;

interface ImportFailure {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  url?: unknown;
  specifier?: unknown;
  stack?: unknown;
  position?: { file?: unknown; line?: unknown; column?: unknown } | null;
}

function fields(error: unknown): ImportFailure {
  return typeof error === "object" && error !== null ? (error as ImportFailure) : {};
}

function isNotFound(e: ImportFailure): boolean {
  return e.code === "ERR_MODULE_NOT_FOUND" || e.code === "MODULE_NOT_FOUND" || e.name === "ResolveMessage";
}

/**
 * Whether a failed import says that `url` itself is missing (rather than something it imports):
 * Node gives the missing module's `url`, Bun its `specifier`, Deno names it in quotes first. A
 * dependency's failure names the candidate too, but unquoted ("imported from /var/task/app.mjs").
 */
export function isMissing(error: unknown, url: URL): boolean {
  const e = fields(error);
  if (!isNotFound(e)) return false;
  const path = decodeURIComponent(url.pathname);
  if (e.url === url.href || e.specifier === path || e.specifier === url.href) return true;
  const message = String(e.message ?? "").replace(ANSI, "");
  return [`'${path}'`, `"${path}"`, `'${url.href}'`, `"${url.href}"`].some((quoted) => message.includes(quoted));
}

/** Bun's own kinds, named as the errors they stand for. */
const NAMES: Record<string, string> = { BuildMessage: "SyntaxError", ResolveMessage: "Error" };

function describe(e: ImportFailure): string {
  const message = String(e.message ?? "").replace(ANSI, "");
  const own = typeof e.name === "string" && e.name ? e.name : "Error";
  const name = NAMES[own] ?? own;
  const p = e.position;
  const where = p && typeof p.file === "string" ? ` (${p.file}:${String(p.line ?? "?")}:${String(p.column ?? "?")})` : "";
  return `${name}: ${message}${where}`;
}

/**
 * What a module's import failure is reported as: a syntax error (Node's and Deno's SyntaxError,
 * Deno's module-graph parse failure, a TypeError whose message starts "SyntaxError:", and Bun's
 * BuildMessage) is Runtime.UserCodeSyntaxError, naming the file being imported when the message
 * does not (Node's does not); a module that cannot be found (a dependency)
 * Runtime.ImportModuleError; anything else the module threw is reported as itself.
 */
export function importFailure(error: unknown, url: URL): unknown {
  const e = fields(error);
  const stack = typeof e.stack === "string" ? e.stack : undefined;
  const message = String(e.message ?? "").replace(ANSI, "");
  const path = decodeURIComponent(url.pathname);
  if (e.code === "ERR_UNKNOWN_FILE_EXTENSION" && path.endsWith(".ts") && !importsTypeScript()) return typeScriptOnNode(path);
  if (error instanceof SyntaxError || e.name === "SyntaxError" || e.name === "BuildMessage" || message.startsWith("SyntaxError:")) {
    let text = message.startsWith("SyntaxError:") ? message : describe(e);
    if (!text.includes(path) && !text.includes(url.href)) {
      const where = nodeSyntaxLocation(path);
      text += where ? ` (${where})` : ` (importing ${path})`;
      // Node's stack holds only its loader's frames: the place in the user's file says more.
      if (where) return new RuntimeError("Runtime.UserCodeSyntaxError", text, { stack: `${text}\n    at ${where}` });
    }
    return new RuntimeError("Runtime.UserCodeSyntaxError", text, { stack: stack ?? text });
  }
  if (isNotFound(e)) return new RuntimeError("Runtime.ImportModuleError", describe(e), { stack: stack ?? describe(e) });
  return error;
}

function follow(from: unknown, path: string[]): unknown {
  let value = from;
  for (const key of path) {
    if ((typeof value !== "object" && typeof value !== "function") || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

type Handler = (...args: any[]) => unknown;

/** Imports the handler `name` names from `taskRoot`; throws a RuntimeError (or the module's own error). */
export async function loadHandler(taskRoot: string, name: string): Promise<Handler> {
  const { folder, file, exportPath } = parseHandlerName(name);
  const root = taskRoot.startsWith("/") ? taskRoot : `${cwd().replace(/\/+$/, "")}/${taskRoot}`;
  const base = folder.startsWith("/") ? `${folder}${file}` : `${root.replace(/\/+$/, "")}/${folder}${file}`;
  const tried = extensions();
  let module: unknown;
  let found: URL | undefined;
  for (const extension of tried) {
    const url = fileUrl(base + extension);
    try {
      module = await import(url.href);
      found = url;
      break;
    } catch (error) {
      if (isMissing(error, url)) continue;
      throw importFailure(error, url);
    }
  }
  if (found === undefined) {
    throw new RuntimeError(
      "Runtime.ImportModuleError",
      `Cannot find the handler's module: no ${base}${tried.length > 1 ? `{${tried.join(",")}}` : tried[0]}`,
    );
  }
  const where = decodeURIComponent(found.pathname);
  const exported = exportPath.join(".");
  let handler = follow(module, exportPath);
  if (handler === undefined) handler = follow(follow(module, ["default"]), exportPath);
  if (handler === undefined || handler === null) {
    throw new RuntimeError("Runtime.HandlerNotFound", `${name}: ${where} does not export "${exported}"`);
  }
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${name}: "${exported}" in ${where} is ${typeof handler}, not a function`);
  }
  return handler as Handler;
}
