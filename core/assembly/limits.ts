// The documented X-Ray limits, mirrored from core/limits.ts (test/limits.test.ts checks they agree).

/** Largest UDP payload over IPv4: no datagram we produce may exceed it. */
export const MAX_DATAGRAM_BYTES: i32 = 65507;
export const MAX_NAME_CHARS: i32 = 200;
export const MAX_ANNOTATIONS: i32 = 50;
export const MAX_ANNOTATION_KEY_CHARS: i32 = 500;
export const MAX_ANNOTATION_VALUE_CHARS: i32 = 1000;
/**
 * Bytes one segment or subsegment may hold of its own (annotations, metadata, http, aws, sql,
 * cause...). With the fixed fields (name ≤ 800 bytes, IDs, times, type) a document holding only
 * its own data then always fits in one datagram, which is what lets the splitter terminate.
 */
export const NODE_BUDGET: i32 = 60000;
/** Extra (unknown) trace-header fields kept, counted as `;key=value`. */
export const HEADER_EXTRA_BUDGET: i32 = 256;
