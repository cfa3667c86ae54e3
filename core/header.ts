import { type Core, R_ROOT, R_FLAGS, R_PARENT, R_SAMPLED, R_SELF, R_LINEAGE, R_EXTRAS } from "./abi.ts";

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

export function parseTraceHeaderWith(core: Core, header: string): TraceHeader | undefined {
  if (typeof header !== "string" || header.length === 0 || header.length > MAX_HEADER_LENGTH) return undefined;
  const len = core.write(header, 0, core.inputCap);
  if (core.x.parseHeader(len) !== 1) return undefined;
  // When every character was one byte, byte offsets are string offsets: slice the string itself.
  const ascii = len === header.length;
  const base = core.input;
  const text = (off: number, n: number) => (ascii ? header.slice(off, off + n) : core.read(base + off, n));
  const flags = core.slot(R_FLAGS);
  let root = text(core.slot(R_ROOT), 35);
  if (flags & 1) root = root.toLowerCase();
  const result: TraceHeader = { root, extra: {} };
  const parentAt = core.slot(R_PARENT);
  if (parentAt >= 0) result.parent = flags & 2 ? text(parentAt, 16).toLowerCase() : text(parentAt, 16);
  const sampled = core.slot(R_SAMPLED);
  if (sampled >= 0) result.sampled = sampled === 1 ? true : sampled === 0 ? false : "requested";
  const selfAt = core.slot(R_SELF);
  if (selfAt >= 0) result.self = text(selfAt, core.slot(R_SELF + 1));
  const lineageAt = core.slot(R_LINEAGE);
  if (lineageAt >= 0) result.lineage = text(lineageAt, core.slot(R_LINEAGE + 1));
  const extras = core.slot(R_EXTRAS);
  for (let i = 0, s = R_EXTRAS + 1; i < extras; i++, s += 4) {
    result.extra[text(core.slot(s), core.slot(s + 1))] = text(core.slot(s + 2), core.slot(s + 3));
  }
  return result;
}

/**
 * `Root=…;Parent=…;Sampled=…;Lineage=…` then the extra fields in order. `Self` is not propagated:
 * load balancers add it for their own hop. Applied to a parsed header the result is canonical.
 */
export function formatTraceHeader(h: TraceHeader): string {
  let s = "Root=" + h.root;
  if (h.parent !== undefined) s += ";Parent=" + h.parent;
  if (h.sampled !== undefined) s += h.sampled === "requested" ? ";Sampled=?" : h.sampled ? ";Sampled=1" : ";Sampled=0";
  if (h.lineage !== undefined) s += ";Lineage=" + h.lineage;
  for (const key in h.extra) s += ";" + key + "=" + h.extra[key];
  return s;
}
