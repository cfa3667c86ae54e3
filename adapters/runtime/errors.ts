/**
 * How a failure is reported to the Runtime API: the error document (`errorMessage`, `errorType`,
 * `stackTrace`), the `Lambda-Runtime-Function-Error-Type` header and the X-Ray error cause
 * (`Lambda-Runtime-Function-XRay-Error-Cause`). Nothing here throws, whatever was thrown.
 */
import { MAX_MESSAGE_CHARS, parseStack, type StackFrame } from "../../core/serialize.ts";

export interface ErrorDocument {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

/** An error the runtime itself raises, named as Lambda's Node runtime names it (`Runtime.…`). */
export class RuntimeError extends Error {
  constructor(type: string, message: string, options?: { stack?: string }) {
    super(message);
    this.name = type;
    if (options?.stack !== undefined) this.stack = options.stack;
  }
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
}

/** An Error, or an error from another realm or a runtime's own kind (Bun's BuildMessage). */
function isErrorLike(value: unknown): value is ErrorLike {
  if (value instanceof Error) return true;
  if (typeof value !== "object" || value === null) return false;
  const v = value as ErrorLike;
  return typeof v.name === "string" && typeof v.message === "string";
}

function text(value: unknown): string {
  try {
    return typeof value === "string" ? value : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/**
 * The error document for what a handler threw or rejected with, as Lambda's Node runtime builds
 * it: an error gives its name, message and stack lines; any other value `typeof value` and its
 * string, with no stack.
 */
export function errorDocument(error: unknown): ErrorDocument {
  try {
    if (isErrorLike(error)) {
      const stack = error.stack;
      return {
        errorMessage: text(error.message ?? ""),
        errorType: text(error.name ?? "") || "Error",
        stackTrace: typeof stack === "string" ? stack.split("\n") : [],
      };
    }
    return { errorMessage: text(error), errorType: typeof error, stackTrace: [] };
  } catch {
    return {
      errorMessage: "the thrown value's name, message or stack could not be read",
      errorType: "Runtime.UnreadableError",
      stackTrace: [],
    };
  }
}

/** A header carries printable ASCII only; the error type when it is that, else "Unhandled". */
export function errorTypeHeader(errorType: string): string {
  const t = errorType.trim();
  return t.length > 0 && t.length <= 256 && /^[\x20-\x7e]+$/.test(t) ? t : "Unhandled";
}

/**
 * Largest X-Ray error cause sent, in bytes. Lambda's runtime clients drop the header at 1 MiB;
 * it travels with the other headers, and HTTP servers commonly cap the whole header block at
 * 8–16 KiB, so it is kept to 8 KiB: stack frames beyond the first 8 go first (counted in
 * `truncated`), then the message is cut (to 1,024, 512, then 256 characters), then the remaining
 * frames; a cause that still does not fit is not sent.
 */
export const MAX_XRAY_CAUSE_BYTES = 8192;
const KEPT_FRAMES = 8;

/** JSON whose non-ASCII characters are \u-escaped: a valid header value, its length in bytes. */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** Deno's stack frames name file URLs; the cause names paths, as Node's do. */
function framePath(path: string): string {
  if (!path.startsWith("file://")) return path;
  try {
    return decodeURIComponent(path.slice("file://".length));
  } catch {
    return path.slice("file://".length);
  }
}

/**
 * The X-Ray error cause for a handler's error (`working_directory`, one exception with its parsed
 * stack, the `paths` the stack names), as ASCII JSON of at most MAX_XRAY_CAUSE_BYTES; undefined
 * when even the shortest form does not fit.
 */
export function xrayErrorCause(error: unknown, workingDirectory: string): string | undefined {
  try {
    const doc = errorDocument(error);
    const stack = isErrorLike(error) ? error.stack : undefined;
    const parsed = parseStack(stack);
    const frames = parsed.frames.map((f: StackFrame) => ({ path: framePath(f.path), line: f.line ?? 0, label: f.label || "anonymous" }));
    let dropped = parsed.truncated;
    let message = doc.errorMessage.length > MAX_MESSAGE_CHARS ? doc.errorMessage.slice(0, MAX_MESSAGE_CHARS) : doc.errorMessage;
    let type = doc.errorType;
    const encode = () => {
      const exception: Record<string, unknown> = { type, message, stack: frames };
      if (dropped > 0) exception.truncated = dropped;
      return asciiJson({ working_directory: workingDirectory, exceptions: [exception], paths: [...new Set(frames.map((f) => f.path))] });
    };
    let json = encode();
    const shrink = (keep: number) => {
      while (json.length > MAX_XRAY_CAUSE_BYTES && frames.length > keep) {
        frames.pop();
        dropped++;
        json = encode();
      }
    };
    shrink(KEPT_FRAMES);
    for (const chars of [1024, 512, 256]) {
      if (json.length <= MAX_XRAY_CAUSE_BYTES || message.length <= chars) continue;
      message = message.slice(0, chars);
      json = encode();
    }
    shrink(0);
    if (json.length > MAX_XRAY_CAUSE_BYTES) {
      type = type.slice(0, 256);
      json = encode();
    }
    return json.length > MAX_XRAY_CAUSE_BYTES ? undefined : json;
  } catch {
    return undefined;
  }
}
