/**
 * Finds and imports the handler that `_HANDLER` names, the way Lambda's Node runtime reads the
 * name: `[folders/]file.export`, where the file is everything up to the first dot after the last
 * slash and the rest is the export, followed through dots (`index.api.get` is
 * `exports.api.get`), then through the module's default export (a CommonJS module's
 * `module.exports`). Folders are relative to the task root, or absolute; `..` is refused.
 *
 * The file is found by importing `file` + `.js`, `.mjs`, `.cjs` (and `.ts` where the runtime
 * imports TypeScript) in turn by file URL: no file system API, so the same code runs on Node, Bun
 * and Deno. A candidate is skipped when the import fails because that very file is missing; any
 * other failure is the module's, and is reported (a missing dependency, a syntax error, a throw).
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

/** The extensions tried, in order. */
export function extensions(): string[] {
  return importsTypeScript() ? [".js", ".mjs", ".cjs", ".ts"] : [".js", ".mjs", ".cjs"];
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
  if (error instanceof SyntaxError || e.name === "SyntaxError" || e.name === "BuildMessage" || message.startsWith("SyntaxError:")) {
    const path = decodeURIComponent(url.pathname);
    let text = message.startsWith("SyntaxError:") ? message : describe(e);
    if (!text.includes(path) && !text.includes(url.href)) text += ` (importing ${path})`;
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
