import { HEADER_EXTRA_BUDGET } from "./assembly/shared.ts";

/** A parsed `X-Amzn-Trace-Id` header. */
export interface TraceHeader {
  /** The trace ID, `1-` + 8 hex + `-` + 24 hex, lower case. */
  root: string;
  /** The parent segment's ID (16 hex, lower case), when the header named a valid one. */
  parent?: string;
  /** `Sampled=1` → true, `0` → false, `?` (decision requested) → 'requested'. */
  sampled?: boolean | "requested";
  self?: string;
  lineage?: string;
  /** Other fields, key case kept, within a 256-byte budget. */
  extra: Record<string, string>;
}

/**
 * Headers longer than this (in UTF-16 units) are refused: real ones are under 256 bytes, and
 * HTTP servers cap a header line at 8 KiB.
 */
export const MAX_HEADER_LENGTH = 8192;

/**
 * Characters a propagated Lineage may have. AWS's longest form, 16 `hash:counter` entries joined
 * by `|` with 5-digit counters, is 239; the current form (`loop:hash:request`) at most 18.
 */
export const MAX_LINEAGE_LENGTH = 256;

/**
 * The longest header xray-edge writes: `Root=` + 35, `;Parent=` + 16, `;Sampled=1`, `;Lineage=` +
 * MAX_LINEAGE_LENGTH, and the extras' 256 bytes.
 */
export const MAX_PROPAGATED_LENGTH = 595;

const NOT_VISIBLE = /[^\x20-\x7e]/;

/**
 * Whether a header text may be sent as it is: visible ASCII and space, within
 * MAX_PROPAGATED_LENGTH. For headers the adapters did not format (pass-through, a foreign parent).
 */
export function propagatable(header: unknown): header is string {
  return typeof header === "string" && header.length > 0 && header.length <= MAX_PROPAGATED_LENGTH && !NOT_VISIBLE.test(header);
}

/** Whether `header` is a string the parser takes at all (non-empty, at most 8192 characters). */
export function headerText(header: unknown): header is string {
  return typeof header === "string" && header.length > 0 && header.length <= MAX_HEADER_LENGTH;
}

// Root, Parent and Lineage are checked by loops over char codes: fixed short forms, where a loop
// measured faster here than an anchored case-insensitive regular expression.

/** `len` hex digits at `at`: -1 when not, else 1 when a letter is upper-case, 0 otherwise. */
function hexRun(s: string, at: number, len: number): number {
  if (at + len > s.length) return -1;
  let upper = 0;
  for (let i = at; i < at + len; i++) {
    const c = s.charCodeAt(i) | 0x20; // lower-cases letters; digits already have the bit
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return -1;
    if (s.charCodeAt(i) !== c) upper = 1;
  }
  return upper;
}

/** The decimal number s[from, to) when it is 1 to `max` digits, else -1. */
function decimal(s: string, from: number, to: number, max: number): number {
  if (to <= from || to - from > max) return -1;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** `1-` + 8 hex + `-` + 24 hex, as lower case; undefined when it is not one. */
function rootText(root: unknown): string | undefined {
  if (typeof root !== "string" || root.length !== 35 || root.charCodeAt(0) !== 0x31) return undefined;
  if (root.charCodeAt(1) !== 0x2d || root.charCodeAt(10) !== 0x2d) return undefined;
  const a = hexRun(root, 2, 8),
    b = hexRun(root, 11, 24);
  return a < 0 || b < 0 ? undefined : a | b ? root.toLowerCase() : root;
}

/** 16 hex digits, not all zero, as lower case; undefined when it is not one. */
function parentText(parent: unknown): string | undefined {
  if (typeof parent !== "string" || parent.length !== 16 || /^0+$/.test(parent)) return undefined;
  const c = hexRun(parent, 0, 16);
  return c < 0 ? undefined : c ? parent.toLowerCase() : parent;
}

// Anything but visible ASCII and space (0x20–0x7E), or `;` (and for a key `=`): what would not
// read back as the same field.
const NOT_VALUE = /[^\x20-\x3a\x3c-\x7e]/;
const NOT_KEY = /[^\x20-\x3a\x3c\x3e-\x7e]/;

/** Whether `s` reads back as itself in a field: a loop for short text, the regex (faster) past that. */
function fieldText(s: string, key: boolean): boolean {
  if (s.length > 16) return !(key ? NOT_KEY : NOT_VALUE).test(s);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x3b || (key && c === 0x3d)) return false;
  }
  return true;
}

/** Keys the parser reads as a field of its own (after trimming): as an extra one would override it. */
const KNOWN_KEYS = new Set(["root", "parent", "sampled", "self", "lineage"]);

/** Whether `key` (trimmed) is a known key; cheap for the others, which most are. */
function knownKey(key: string): boolean {
  const k = key.charCodeAt(0) === 0x20 || key.charCodeAt(key.length - 1) === 0x20 ? key.trim() : key;
  if (k.length < 4 || k.length > 7) return false;
  const c = k.charCodeAt(0) | 0x20; // the first letter of root, parent, sampled, self, lineage
  return (c === 0x72 || c === 0x70 || c === 0x73 || c === 0x6c) && KNOWN_KEYS.has(k.toLowerCase());
}

/** Whether an extra field is propagated: its key and value read back as they are, in 0x20–0x7E. */
export function propagatedExtra(key: string, value: unknown): boolean {
  return typeof value === "string" && fieldText(key, true) && fieldText(value, false) && key.trim() !== "" && !knownKey(key);
}

/**
 * Whether a Lineage is propagated: in one of the two forms Lambda's recursive loop detection
 * writes, within MAX_LINEAGE_LENGTH. `loop:hash:request` (loop 0–32767, 8 hex, request 0–255)
 * is today's; `hash:counter` entries joined by `|` the older one (AWS's documented example).
 */
export function propagatedLineage(lineage: unknown): lineage is string {
  if (typeof lineage !== "string" || lineage.length > MAX_LINEAGE_LENGTH) return false;
  const s = lineage,
    n = s.length;
  const colon = s.indexOf(":");
  if (colon >= 1 && colon <= 5) {
    const loop = decimal(s, 0, colon, 5);
    if (loop < 0 || loop > 32767 || hexRun(s, colon + 1, 8) < 0 || s.charCodeAt(colon + 9) !== 0x3a) return false;
    const request = decimal(s, colon + 10, n, 3);
    return request >= 0 && request <= 255;
  }
  for (let at = 0; ; ) {
    if (hexRun(s, at, 8) < 0 || s.charCodeAt(at + 8) !== 0x3a) return false;
    let end = s.indexOf("|", at + 9);
    if (end < 0) end = n;
    if (decimal(s, at + 9, end, 5) < 0) return false;
    if (end === n) return true;
    at = end + 1;
  }
}

/**
 * `;Lineage=…;key=value…`: the fields a header carries beyond Root, Parent and Sampled, as they
 * are propagated (README "Trace headers"): a Lineage not in AWS's form and extras that are not
 * visible ASCII are dropped, the rest of the extras kept in order while they fit the 256-byte budget.
 */
export function carriedFields(lineage: unknown, extra: unknown): string {
  let s = propagatedLineage(lineage) ? ";Lineage=" + lineage : "";
  if (extra === null || typeof extra !== "object") return s;
  let used = 0;
  for (const key of Object.keys(extra)) {
    const value = (extra as Record<string, unknown>)[key];
    if (!propagatedExtra(key, value)) continue;
    // Written trimmed, as the parser would read them back (a hand-built header may have spaces
    // around them). Only ASCII is left: characters are bytes.
    const k = key.trim(),
      v = (value as string).trim();
    used += k.length + v.length + 2;
    if (used > HEADER_EXTRA_BUDGET) break;
    s += ";" + k + "=" + v;
  }
  return s;
}

/**
 * `Root=…;Parent=…;Sampled=…;Lineage=…` then the extra fields in order. `Self` is not propagated:
 * load balancers add it for their own hop. Applied to a parsed header the result is canonical.
 * The header may have been built by hand: an invalid Parent or Sampled is left out, fields are
 * dropped as carriedFields says, and without a valid Root the result is "" (never an invalid header).
 */
export function formatTraceHeader(h: TraceHeader): string {
  const root = h !== null && typeof h === "object" ? rootText(h.root) : undefined;
  if (root === undefined) return "";
  let s = "Root=" + root;
  const parent = parentText(h.parent);
  if (parent !== undefined) s += ";Parent=" + parent;
  if (h.sampled === true) s += ";Sampled=1";
  else if (h.sampled === false) s += ";Sampled=0";
  else if (h.sampled === "requested") s += ";Sampled=?";
  return s + carriedFields(h.lineage, h.extra);
}
