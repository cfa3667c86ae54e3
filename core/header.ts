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

/** A field of the header: sliced from the string when it was ASCII, else decoded from the input. */
function text(core: Core, header: string, ascii: boolean, offset: number, length: number): string {
  return ascii ? header.slice(offset, offset + length) : core.read(core.input + offset, length);
}

/** Whether `header` is a string the parser takes at all (non-empty, at most 8192 characters). */
export function headerText(header: unknown): header is string {
  return typeof header === "string" && header.length > 0 && header.length <= MAX_HEADER_LENGTH;
}

export function parseTraceHeaderWith(core: Core, header: string): TraceHeader | undefined {
  if (!headerText(header)) return undefined;
  const len = core.write(header, 0, core.inputCap);
  if (core.x.parseHeader(len) !== 1) return undefined;
  return readParsedHeader(core, header, len);
}

/** The trace ID of the header the core just parsed (`len` bytes of `header` at input 0). */
export function parsedRoot(core: Core, header: string, len: number): string {
  const root = text(core, header, len === header.length, core.slot(R_ROOT), 35);
  return core.slot(R_FLAGS) & 1 ? root.toLowerCase() : root;
}

/** True when the header the core just parsed had Lineage or extra fields to carry downstream. */
export function parsedHasCarry(core: Core): boolean {
  return core.slot(R_LINEAGE) >= 0 || core.slot(R_EXTRAS) > 0;
}

/** The TraceHeader of the header the core just parsed (`len` bytes of `header` at input 0). */
export function readParsedHeader(core: Core, header: string, len: number): TraceHeader {
  // When every character was one byte, byte offsets are string offsets: slice the string itself.
  const ascii = len === header.length;
  const flags = core.slot(R_FLAGS);
  const result: TraceHeader = { root: parsedRoot(core, header, len), extra: {} };
  const parentAt = core.slot(R_PARENT);
  if (parentAt >= 0) {
    const parent = text(core, header, ascii, parentAt, 16);
    result.parent = flags & 2 ? parent.toLowerCase() : parent;
  }
  const sampled = core.slot(R_SAMPLED);
  if (sampled >= 0) result.sampled = sampled === 1 ? true : sampled === 0 ? false : "requested";
  const selfAt = core.slot(R_SELF);
  if (selfAt >= 0) result.self = text(core, header, ascii, selfAt, core.slot(R_SELF + 1));
  const lineageAt = core.slot(R_LINEAGE);
  if (lineageAt >= 0) result.lineage = text(core, header, ascii, lineageAt, core.slot(R_LINEAGE + 1));
  const extras = core.slot(R_EXTRAS);
  for (let i = 0, s = R_EXTRAS + 1; i < extras; i++, s += 4) {
    result.extra[text(core, header, ascii, core.slot(s), core.slot(s + 1))] = text(core, header, ascii, core.slot(s + 2), core.slot(s + 3));
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
