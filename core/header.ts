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

/** Whether `header` is a string the parser takes at all (non-empty, at most 8192 characters). */
export function headerText(header: unknown): header is string {
  return typeof header === "string" && header.length > 0 && header.length <= MAX_HEADER_LENGTH;
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
