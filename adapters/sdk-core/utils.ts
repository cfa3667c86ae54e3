/**
 * aws-xray-sdk-core's `utils` that applications call: `processTraceData` (a trace header taken
 * apart the peer's way, keys lower-cased, other fields under `data`), `getCauseTypeFromHttpStatus`,
 * `stripQueryStringFromPath`, `wildcardMatch`, `safeParseInt` and `objectWithoutProperties`.
 * What xray-edge propagates never comes from here: its headers are formatted by the core.
 */

const RESERVED = new Set(["root", "parent", "sampled", "self"]);
/** The bytes of other fields kept (keys and values), as the peer counts them. */
const DATA_BUDGET = 256;

export interface TraceData {
  root?: string;
  parent?: string;
  sampled?: string;
  self?: string;
  data?: Record<string, string>;
  [key: string]: string | Record<string, string> | undefined;
}

/**
 * `Root=…;Parent=…;Sampled=1;Other=x` → `{ root, parent, sampled, data: { Other: "x" } }`. A
 * field needs a key and a value; the value ends at its second `=`, as with the peer. Not a
 * string, or empty: `{}`.
 */
export function processTraceData(traceData?: string): TraceData {
  const result: TraceData = {};
  if (typeof traceData !== "string" || traceData === "") return result;
  const data: Record<string, string> = {};
  let budget = DATA_BUDGET;
  for (const field of traceData.split(";")) {
    const [rawKey, rawValue] = field.split("=");
    if (!rawKey || !rawValue) continue;
    const key = rawKey.trim();
    const value = rawValue.trim();
    const lower = key.toLowerCase();
    if (RESERVED.has(lower)) result[lower] = value;
    else if (budget - (lower.length + value.length) >= 0) {
      data[key] = value;
      budget -= key.length + value.length;
    }
  }
  result.data = data;
  return result;
}

/** 4xx → "error", 5xx → "fault", else undefined. */
export function getCauseTypeFromHttpStatus(status: number | string): "error" | "fault" | undefined {
  const text = String(status);
  if (/^4\d\d$/.test(text)) return "error";
  if (/^5\d\d$/.test(text)) return "fault";
  return undefined;
}

/** The path without its query string (which may hold secrets). */
export function stripQueryStringFromPath(path: string): string {
  return path ? (path.split("?")[0] ?? "") : "";
}

/** Case-insensitive match of `text` against `pattern`, where `*` is any run of characters and `?` one character. */
export function wildcardMatch(pattern: string, text: string): boolean {
  if (typeof pattern !== "string" || typeof text !== "string") return false;
  const p = pattern.toLowerCase();
  const t = text.toLowerCase();
  // Iterative glob matching with one backtrack point: linear in practice, no regular expression.
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < t.length) {
    if (i < p.length && (p[i] === "?" || p[i] === t[j])) {
      i++;
      j++;
    } else if (i < p.length && p[i] === "*") {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (i < p.length && p[i] === "*") i++;
  return i === p.length;
}

/** An integer from a number or numeric text; 0 for anything else. */
export function safeParseInt(val: number | string): number {
  if (!val || Number.isNaN(Number(val))) return 0;
  return Number.parseInt(String(val), 10);
}

/** A shallow copy of `obj`'s own properties without `keys` (on `obj`'s prototype with preservePrototype). */
export function objectWithoutProperties<T extends object, K extends keyof T>(obj: T, keys: K[], preservePrototype?: boolean): Omit<T, K> {
  const skip = new Set<PropertyKey>(Array.isArray(keys) ? keys : []);
  const target = preservePrototype === true ? Object.create(Object.getPrototypeOf(obj)) : {};
  for (const key of Object.keys(obj)) if (!skip.has(key)) target[key] = (obj as Record<string, unknown>)[key];
  return target;
}
