import { MAX_PATH_CHARS } from "./limits.ts";

/**
 * Turning user values into JSON without ever throwing: metadata (BigInt, cycles, undefined,
 * throwing getters and toJSON) and errors (type, message, stack frames, the `cause` chain).
 */

/** Stack frames kept per exception; X-Ray shows a handful, and documents have a size limit. */
export const MAX_STACK_FRAMES = 32;
/** Error messages are cut to this many characters. */
export const MAX_MESSAGE_CHARS = 2048;
/** How deep an `error.cause` chain is followed. */
export const MAX_CAUSE_DEPTH = 4;
/** Stack frame paths and labels are cut to these many characters (JSON stays valid: they are strings). */
export const MAX_FRAME_PATH_CHARS = MAX_PATH_CHARS;
export const MAX_FRAME_LABEL_CHARS = 256;
/** Characters of a stack read at most: frames past the first MAX_STACK_FRAMES are only counted. */
const MAX_STACK_CHARS = 65536;

/**
 * JSON text for any value. The plain JSON.stringify runs first (the common case); when it throws
 * (a cycle, a BigInt, a throwing getter) a replacer turns BigInt into its decimal string and a
 * value that is its own ancestor into "[Circular]". `undefined`, functions and symbols at the top
 * become null. Shared (non-cyclic) references are kept.
 */
export function safeStringify(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json;
    return "null";
  } catch {
    // fall through to the careful path
  }
  try {
    const ancestors: unknown[] = [];
    const json = JSON.stringify(value, function (this: unknown, _key, v: unknown) {
      if (typeof v === "bigint") return v.toString();
      if (typeof v !== "object" || v === null) return v;
      while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
      if (ancestors.includes(v)) return "[Circular]";
      ancestors.push(v);
      return v;
    });
    return json === undefined ? "null" : json;
  } catch (error) {
    return JSON.stringify(`[unserializable: ${describe(error)}]`);
  }
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "unknown error";
  }
}

export interface StackFrame {
  path: string;
  line?: number;
  label?: string;
}

// V8 (Node, Deno, Bun, workerd): "    at label (path:line:column)" or "    at path:line:column".
const V8_FRAME = /^\s*at (?:(.*?) \()?(.*?):(\d+)(?::\d+)?\)?\s*$/;
// SpiderMonkey and JavaScriptCore: "label@path:line:column".
const AT_FRAME = /^(.*?)@(.*?):(\d+)(?::\d+)?\s*$/;

/** Parses up to MAX_STACK_FRAMES frames; returns them and how many were left out. */
export function parseStack(stack: unknown): { frames: StackFrame[]; truncated: number } {
  const frames: StackFrame[] = [];
  let truncated = 0;
  if (typeof stack !== "string") return { frames, truncated };
  for (const line of (stack.length > MAX_STACK_CHARS ? stack.slice(0, MAX_STACK_CHARS) : stack).split("\n")) {
    const m = V8_FRAME.exec(line) ?? AT_FRAME.exec(line);
    if (!m) continue;
    if (frames.length === MAX_STACK_FRAMES) {
      truncated++;
      continue;
    }
    const frame: StackFrame = { path: cut(m[2] ?? "", MAX_FRAME_PATH_CHARS) };
    const lineNumber = Number(m[3]);
    if (m[3] && Number.isSafeInteger(lineNumber)) frame.line = lineNumber;
    if (m[1]) frame.label = cut(m[1], MAX_FRAME_LABEL_CHARS);
    frames.push(frame);
  }
  return { frames, truncated };
}

/** At most `max` UTF-16 units, never ending in half a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const end = s.charCodeAt(max - 1) >= 0xd800 && s.charCodeAt(max - 1) <= 0xdbff ? max - 1 : max;
  return s.slice(0, end);
}

function field(read: () => unknown): unknown {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function isError(value: unknown): value is Error {
  return field(() => value instanceof Error) === true;
}

function typeName(error: unknown): string {
  if (isError(error)) {
    const name = field(() => error.name);
    return typeof name === "string" && name ? cut(name, MAX_FRAME_LABEL_CHARS) : "Error";
  }
  if (error === null) return "null";
  const ctor = typeof error === "object" ? field(() => (error as object).constructor?.name) : undefined;
  return typeof ctor === "string" && ctor ? cut(ctor, MAX_FRAME_LABEL_CHARS) : typeof error;
}

function messageOf(error: unknown): string {
  const raw = typeof error === "object" && error !== null ? field(() => (error as { message?: unknown }).message) : error;
  const text = typeof raw === "string" ? raw : raw === undefined ? "" : safeStringify(raw);
  return cut(text, MAX_MESSAGE_CHARS);
}

/**
 * The `cause.exceptions` entries for an error and its `cause` chain, as JSON objects. `newId`
 * gives each exception its 16-hex ID; an exception's `cause` names the ID of the next.
 */
export function exceptionsOf(error: unknown, remote: boolean, newId: () => string): string[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; chain.length < MAX_CAUSE_DEPTH + 1 && !chain.includes(e); ) {
    chain.push(e);
    const next = typeof e === "object" && e !== null ? field(() => (e as { cause?: unknown }).cause) : undefined;
    if (next === undefined || next === null) break;
    e = next;
  }
  const ids = chain.map(() => newId());
  return chain.map((e, i) => {
    const { frames, truncated } = parseStack(typeof e === "object" && e !== null ? field(() => (e as Error).stack) : undefined);
    const exception: Record<string, unknown> = { id: ids[i], message: messageOf(e), type: typeName(e) };
    if (remote) exception.remote = true;
    if (frames.length > 0) exception.stack = frames;
    if (truncated > 0) exception.truncated = truncated;
    if (i + 1 < ids.length) exception.cause = ids[i + 1];
    return JSON.stringify(exception);
  });
}
