// The two fixed regions every call uses. The host writes UTF-8 arguments into `input` (with
// TextEncoder.encodeInto or a plain ASCII loop) and reads small results from `result`; documents
// come back in the output buffer (out.ts). Both regions are static: no allocation per call.

/** Bytes the host may write per call. Metadata and error JSON are the largest arguments. */
export const INPUT_CAP: i32 = 131072;
export const input: usize = memory.data(INPUT_CAP, 16);

/** 4 KiB of i32 slots and ASCII scratch for results (header fields, IDs, datagram list head). */
export const RESULT_CAP: i32 = 4096;
export const result: usize = memory.data(RESULT_CAP, 16);

/** Where IDs are written as ASCII inside `result`. */
export const RESULT_ID: usize = result + 3072;
/**
 * Where segBegin reports the new node (i32 slots): its generation and its ID's high and low
 * halves. Apart from the header slots (0 to 348), which segBeginHeader fills in the same call.
 */
export const R_BEGIN_GEN: i32 = 760;
export const R_BEGIN_ID: i32 = 761;

// Status codes shared with core/abi.ts.
export const OK: i32 = 0;
/** The handle's document was already sent (or the handle never existed). */
export const E_STALE: i32 = -1;
/** The argument was malformed and nothing was recorded. */
export const E_INVALID: i32 = -2;
/** The node's own data would exceed NODE_BUDGET: nothing was recorded. */
export const E_BUDGET: i32 = -3;
/** A count limit was hit (annotations per node). */
export const E_LIMIT: i32 = -4;
/** The segment or subsegment was already closed. */
export const E_CLOSED: i32 = -5;
/** segBeginHeader: the header has no valid Root (the host begins a new trace). */
export const E_NO_TRACE: i32 = -6;
/** segBeginHeader: the header does not say Sampled=1 (the host decides, then calls segBegin). */
export const E_DECIDE: i32 = -7;

@inline export function resultI32(index: i32, value: i32): void {
  store<i32>(result + (<usize>index << 2), value);
}
