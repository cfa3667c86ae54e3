/**
 * One validator of the documented X-Ray segment-document rules, used by the tests and by
 * `xray-edge daemon`. Web-standard APIs only, so it runs on every runtime we name.
 *
 * Sources: the X-Ray segment-document documentation and AWS's published JSON Schema (v1.0.0),
 * which also limits `user` and the `http` strings to 250 characters. Where the schema is looser
 * than the documentation (its trace_id pattern, "end_time or in_progress", the 64 KB limit) the
 * documentation wins. Fields neither names are not violations: X-Ray ignores them.
 */
import { DAEMON_HEADER } from "./emitter.ts";
import {
  MAX_ANNOTATIONS,
  MAX_ANNOTATION_KEY_CHARS,
  MAX_ANNOTATION_VALUE_CHARS,
  MAX_DATAGRAM_BYTES,
  MAX_DOCUMENT_BYTES,
  MAX_NAME_CHARS,
} from "./limits.ts";

export interface Violation {
  path: string;
  message: string;
}

export interface DatagramCheck {
  document?: Record<string, unknown>;
  violations: Violation[];
  headerOk: boolean;
}

type Obj = Record<string, unknown>;

const NAME = /^[\p{L}\p{Z}\p{N}_.:/%&#=+\-@]+$/u;
const ID = /^[0-9a-fA-F]{16}$/;
const TRACE_ID = /^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$/;
const ANNOTATION_KEY = new RegExp(`^[A-Za-z0-9_]{1,${MAX_ANNOTATION_KEY_CHARS}}$`);
/** Strings the schema limits to 250 characters. */
const SHORT_TEXT = 250;
/** Deeper nesting than this is reported rather than followed (real traces are a few levels). */
const MAX_DEPTH = 64;

const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const chars = (s: string) => [...s].length;

class Checker {
  readonly violations: Violation[] = [];

  fail(path: string, message: string): void {
    this.violations.push({ path, message });
  }

  type(o: Obj, key: string, path: string, kind: "string" | "boolean" | "number" | "object" | "array"): boolean {
    const v = o[key];
    if (v === undefined) return false;
    const ok =
      kind === "array"
        ? Array.isArray(v)
        : kind === "object"
          ? isObject(v)
          : kind === "number"
            ? typeof v === "number" && Number.isFinite(v)
            : typeof v === kind;
    if (!ok) this.fail(`${path}${key}`, `${key} must be ${kind === "array" || kind === "object" ? `an ${kind}` : `a ${kind}`}`);
    return ok;
  }

  id(o: Obj, key: string, path: string, required = false): void {
    const v = o[key];
    if (v === undefined) {
      if (required) this.fail(`${path}${key}`, `${key} is required: 16 hex digits`);
    } else if (typeof v !== "string" || !ID.test(v)) this.fail(`${path}${key}`, `${key} must be 16 hex digits, got ${JSON.stringify(v)}`);
  }

  text(o: Obj, key: string, path: string, max: number): void {
    if (this.type(o, key, path, "string") && chars(o[key] as string) > max)
      this.fail(`${path}${key}`, `${key} must be at most ${max} characters`);
  }

  entity(e: Obj, path: string, top: boolean, depth: number): void {
    const p = path ? `${path}.` : "";
    const sub = !top || e.type === "subsegment";
    if (typeof e.name !== "string" || chars(e.name) < 1 || chars(e.name) > MAX_NAME_CHARS || !NAME.test(e.name)) {
      this.fail(
        `${p}name`,
        `name must be 1 to ${MAX_NAME_CHARS} letters, numbers, separators or _.:/%&#=+-@, got ${JSON.stringify(e.name)}`,
      );
    }
    this.id(e, "id", p, true);
    if (e.trace_id !== undefined || top) {
      if (typeof e.trace_id !== "string" || !TRACE_ID.test(e.trace_id))
        this.fail(`${p}trace_id`, `trace_id must be 1-<8 hex>-<24 hex>, got ${JSON.stringify(e.trace_id)}`);
    }
    this.id(e, "parent_id", p, top && e.type === "subsegment");
    if (e.type !== undefined && (e.type !== "subsegment" || !top))
      this.fail(`${p}type`, `type must be "subsegment", and only on a subsegment sent on its own`);
    if (typeof e.start_time !== "number" || !Number.isFinite(e.start_time) || e.start_time < 0)
      this.fail(`${p}start_time`, "start_time is required: epoch seconds, a number ≥ 0");
    this.type(e, "in_progress", p, "boolean");
    if (e.in_progress === true) {
      if (e.end_time !== undefined) this.fail(`${p}end_time`, "end_time must be absent while in_progress is true");
    } else if (typeof e.end_time !== "number" || !Number.isFinite(e.end_time))
      this.fail(`${p}end_time`, "end_time is required unless in_progress is true: epoch seconds, a number");
    else if (typeof e.start_time === "number" && e.end_time < e.start_time)
      this.fail(`${p}end_time`, "end_time must not be before start_time");
    for (const flag of ["fault", "error", "throttle", "traced"]) this.type(e, flag, p, "boolean");
    this.text(e, "user", p, SHORT_TEXT);
    this.type(e, "origin", p, "string");
    if (e.namespace !== undefined && (!sub || (e.namespace !== "aws" && e.namespace !== "remote")))
      this.fail(`${p}namespace`, `namespace must be "aws" or "remote", on subsegments only`);
    if (this.type(e, "precursor_ids", p, "array")) {
      (e.precursor_ids as unknown[]).forEach((v, i) => {
        if (typeof v !== "string" || !ID.test(v)) this.fail(`${p}precursor_ids[${i}]`, "precursor_ids must hold 16-hex IDs");
      });
    }
    for (const key of ["aws", "sql"]) this.type(e, key, p, "object");
    if (this.type(e, "service", p, "object")) this.type(e.service as Obj, "version", `${p}service.`, "string");
    this.http(e, p);
    this.annotations(e, p);
    this.metadata(e, p);
    this.cause(e, p);
    if (this.type(e, "subsegments", p, "array")) {
      (e.subsegments as unknown[]).forEach((s, i) => {
        const at = `${p}subsegments[${i}]`;
        if (!isObject(s)) this.fail(at, "a subsegment must be an object");
        else if (depth >= MAX_DEPTH) this.fail(at, `subsegments nested deeper than ${MAX_DEPTH} levels were not checked`);
        else this.entity(s, at, false, depth + 1);
      });
    }
  }

  http(e: Obj, p: string): void {
    if (!this.type(e, "http", p, "object")) return;
    const http = e.http as Obj;
    if (this.type(http, "request", `${p}http.`, "object")) {
      const r = http.request as Obj;
      for (const key of ["method", "url", "user_agent", "client_ip"]) this.text(r, key, `${p}http.request.`, SHORT_TEXT);
      for (const key of ["x_forwarded_for", "traced"]) this.type(r, key, `${p}http.request.`, "boolean");
    }
    if (this.type(http, "response", `${p}http.`, "object")) {
      const r = http.response as Obj;
      for (const key of ["status", "content_length"]) {
        if (r[key] !== undefined && (!Number.isInteger(r[key]) || (r[key] as number) < 0))
          this.fail(`${p}http.response.${key}`, `${key} must be a non-negative integer`);
      }
    }
  }

  annotations(e: Obj, p: string): void {
    if (!this.type(e, "annotations", p, "object")) return;
    const entries = Object.entries(e.annotations as Obj);
    if (entries.length > MAX_ANNOTATIONS) this.fail(`${p}annotations`, `at most ${MAX_ANNOTATIONS} annotations, got ${entries.length}`);
    for (const [key, value] of entries) {
      const at = `${p}annotations.${key}`;
      if (!ANNOTATION_KEY.test(key))
        this.fail(at, `annotations key ${JSON.stringify(key)} must match [A-Za-z0-9_]{1,${MAX_ANNOTATION_KEY_CHARS}}`);
      const ok =
        (typeof value === "string" && chars(value) <= MAX_ANNOTATION_VALUE_CHARS) ||
        (typeof value === "number" && Number.isFinite(value)) ||
        typeof value === "boolean";
      if (!ok)
        this.fail(at, `an annotation value must be a string of at most ${MAX_ANNOTATION_VALUE_CHARS} characters, a number or a boolean`);
    }
  }

  metadata(e: Obj, p: string): void {
    if (!this.type(e, "metadata", p, "object")) return;
    for (const [ns, value] of Object.entries(e.metadata as Obj)) {
      if (ns.startsWith("AWS.")) this.fail(`${p}metadata.${ns}`, `metadata namespaces starting with "AWS." are reserved for AWS services`);
      if (!isObject(value)) this.fail(`${p}metadata.${ns}`, "a metadata namespace must hold an object");
    }
  }

  cause(e: Obj, p: string): void {
    const cause = e.cause;
    if (cause === undefined || typeof cause === "string") return this.id(e, "cause", p);
    if (!isObject(cause)) return this.fail(`${p}cause`, "cause must be an exception ID or an object");
    const at = `${p}cause.`;
    this.type(cause, "working_directory", at, "string");
    if (this.type(cause, "paths", at, "array") && !(cause.paths as unknown[]).every((x) => typeof x === "string"))
      this.fail(`${at}paths`, "paths must hold strings");
    if (!this.type(cause, "exceptions", at, "array")) return;
    (cause.exceptions as unknown[]).forEach((x, i) => {
      const ex = `${at}exceptions[${i}].`;
      if (!isObject(x)) {
        this.fail(`${at}exceptions[${i}]`, "an exception must be an object");
        return;
      }
      this.id(x, "id", ex, true);
      for (const key of ["message", "type"]) this.type(x, key, ex, "string");
      this.type(x, "remote", ex, "boolean");
      for (const key of ["truncated", "skipped"]) {
        if (x[key] !== undefined && (!Number.isInteger(x[key]) || (x[key] as number) < 0))
          this.fail(`${ex}${key}`, `${key} must be a non-negative integer`);
      }
      this.id(x, "cause", ex);
      if (!this.type(x, "stack", ex, "array")) return;
      (x.stack as unknown[]).forEach((f, j) => {
        const fp = `${ex}stack[${j}].`;
        if (!isObject(f)) {
          this.fail(`${ex}stack[${j}]`, "a stack frame must be an object");
          return;
        }
        for (const key of ["path", "label"]) this.type(f, key, fp, "string");
        // null is tolerated: aws-xray-sdk-core writes `line: null` for Node's internal frames, and
        // X-Ray takes its documents. The schema says integer.
        if (f.line !== undefined && f.line !== null && !Number.isInteger(f.line)) this.fail(`${fp}line`, "line must be an integer");
      });
    });
  }
}

/** The violations of a parsed document (a segment, or a subsegment sent on its own); [] when valid. */
export function validateDocument(doc: unknown): Violation[] {
  const c = new Checker();
  try {
    if (!isObject(doc)) c.fail("", "a document must be a JSON object");
    else c.entity(doc, "", true, 0);
  } catch (error) {
    c.fail("", `could not be checked: ${(error as Error)?.message ?? error}`);
  }
  return c.violations;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** The header line is at most this long; anything longer is not one. */
const MAX_HEADER_LINE = 256;

/**
 * The header line, read as the daemon reads it: JSON with format "json" and version 1. xray-edge
 * writes DAEMON_HEADER (with spaces); aws-xray-sdk-core writes `{"format":"json","version":1}`.
 * Returns the length of the line including its newline, or -1.
 */
function headerLength(datagram: Uint8Array): number {
  const end = datagram.subarray(0, MAX_HEADER_LINE).indexOf(10);
  if (end < 0) return -1;
  try {
    const header = JSON.parse(utf8.decode(datagram.subarray(0, end)));
    return isObject(header) && header.format === "json" && header.version === 1 ? end + 1 : -1;
  } catch {
    return -1;
  }
}

/** A whole daemon datagram: the header line, the sizes, UTF-8, JSON, then the document's rules. Never throws. */
export function validateDatagram(datagram: Uint8Array): DatagramCheck {
  const violations: Violation[] = [];
  const header = headerLength(datagram);
  const headerOk = header > 0;
  if (!headerOk)
    return {
      headerOk,
      violations: [{ path: "", message: `a datagram must start with a header line like ${JSON.stringify(DAEMON_HEADER)}` }],
    };
  if (datagram.length > MAX_DATAGRAM_BYTES)
    violations.push({ path: "", message: `datagram of ${datagram.length} bytes: at most ${MAX_DATAGRAM_BYTES}` });
  const body = datagram.subarray(header);
  if (body.length > MAX_DOCUMENT_BYTES)
    violations.push({ path: "", message: `document of ${body.length} bytes: at most ${MAX_DOCUMENT_BYTES}` });
  let document: unknown;
  try {
    document = JSON.parse(utf8.decode(body));
  } catch (error) {
    violations.push({ path: "", message: `not UTF-8 JSON: ${(error as Error)?.message ?? error}` });
    return { headerOk, violations };
  }
  violations.push(...validateDocument(document));
  return isObject(document) ? { headerOk, violations, document } : { headerOk, violations };
}
