// The constants both sides of the ABI use, written once. AssemblyScript imports this file
// (`import … from "./shared"`) and core/abi.ts imports the same file as TypeScript, so nothing is
// copied by hand. Plain integer literals only: that is what keeps it valid in both languages (an
// untyped integer constant is an i32 in AssemblyScript). test/core/abi.test.ts fails when a
// constant of this file is defined again anywhere else under core/.

// Status codes: every export that can fail answers one of these (negative), never a trap.
export const OK = 0;
/** The handle's document was already sent (or the handle never existed). */
export const E_STALE = -1;
/** The argument was malformed and nothing was recorded. */
export const E_INVALID = -2;
/** The node's own data would exceed NODE_BUDGET: nothing was recorded. */
export const E_BUDGET = -3;
/** A count limit was hit (annotations per node). */
export const E_LIMIT = -4;
/** The segment or subsegment was already closed. */
export const E_CLOSED = -5;
/** segBeginHeader: the header has no valid Root (the host begins a new trace). */
export const E_NO_TRACE = -6;
/** segBeginHeader: the header does not decide (the host decides, then calls segBegin). */
export const E_DECIDE = -7;
/** segBegin: the core holds its cap of live entities; nothing was begun. */
export const E_CAP = -8;
/** segEnd: MAX_EMISSIONS emissions are being drained already (re-entrant closes nested too deep). */
export const E_REENTRY = -9;
/** segAbandon: the entity is waiting in an emission, which will send or free it. */
export const E_BUSY = -10;

// The fixed regions (core/assembly/abi.ts): the host writes arguments into the input region and
// reads small results from the result region, as i32 slots.
/** Bytes the host may write per call. Metadata and error JSON are the largest arguments. */
export const INPUT_CAP = 131072;
/** Bytes of the result region: i32 slots, then ASCII scratch for IDs at RESULT_ID_AT. */
export const RESULT_CAP = 4096;
/** Byte offset inside the result region where IDs are written as ASCII. */
export const RESULT_ID_AT = 3072;

// Header result slots (i32 indexes into the result region), filled by parseHeader.
/** Offset of the 35-byte root, or -1. */
export const R_ROOT = 0;
/** Bit 0: the root has upper-case hex; bit 1: the parent has. */
export const R_FLAGS = 1;
/** Offset of the 16-byte parent, or -1. */
export const R_PARENT = 2;
/** -1 absent or unknown, 0, 1, or 2 for `?`. */
export const R_SAMPLED = 3;
/** Offset and length of Self (or -1, 0). */
export const R_SELF = 4;
/** Offset and length of Lineage (or -1, 0). */
export const R_LINEAGE = 6;
/** Count of extra fields, then (keyOffset, keyLength, valueOffset, valueLength) for each. */
export const R_EXTRAS = 8;
/** The most extras reported; more could not fit the 256-byte budget anyway (`;k=`). */
export const MAX_EXTRAS = 85;
/** segBegin's report: the new node's generation, then its ID's high and low halves. */
export const R_BEGIN_GEN = 760;
export const R_BEGIN_ID = 761;
/** emitNext's report: the datagram's offset in memory; its length is the return value. */
export const R_EMIT_PTR = 764;
/** emitNext's report: how many entities the datagram carries closed, and in progress. */
export const R_EMIT_CLOSED = 765;
export const R_EMIT_OPEN = 766;
/** segAbandon's report: entities freed unsent (the one named and its subtree). */
export const R_FREED = 767;

// Node flags (core/assembly/store.ts); the host passes the ones marked.
export const F_CLOSED = 1;
/** Host: fault, error, throttle (segFlags). */
export const F_FAULT = 2;
export const F_ERROR = 4;
export const F_THROTTLE = 8;
/** Host: a Lambda facade, never sent itself; each child is sent as its own document when it closes. */
export const F_FACADE = 16;
/** Sent as its own document: carries `type`, `trace_id` and `parent_id`. */
export const F_INDEPENDENT = 32;
/** Host: a root whose incoming trace header named a parent (`parent_id` is written). */
export const F_HAS_PARENT = 64;
/** A document root waiting in an emission: its close only marks it closed, and it is not freed. */
export const F_QUEUED = 128;
/**
 * Host, with F_FACADE: every subsegment of the trace, nested ones too, is sent as its own document
 * when it closes (aws-xray-sdk-core's streaming in Lambda), not with its parent. Kept by subtrees
 * made independent.
 */
export const F_STREAM = 1024;
/** Namespace, two bits from bit 8: 1 `aws`, 2 `remote`. */
export const F_NS_SHIFT = 8;
export const NS_AWS = 256;
export const NS_REMOTE = 512;
export const F_NS_MASK = 768;
/** segBegin: the input holds a trace ID to join (else one is generated). */
export const B_TRACE_GIVEN = 4096;

// segBegin's input layout: trace ID at 0, parent ID at BEGIN_PARENT_AT, the name at BEGIN_NAME_AT.
export const BEGIN_PARENT_AT = 35;
export const BEGIN_NAME_AT = 64;
/** Name bytes read at most (200 characters are at most 800 bytes; the rest is cut). */
export const NAME_INPUT_CAP = 4096;

// Members set with segMember (encode.ts writes their keys).
export const M_HTTP = 1;
export const M_AWS = 2;
export const M_SQL = 3;
export const M_SERVICE = 4;
export const M_USER = 5;
export const M_ORIGIN = 6;
export const M_PRECURSORS = 7;
export const M_TRACED = 8;
export const M_LAST = 8;

// Annotation value types (segAnnotate).
export const A_STRING = 0;
export const A_NUMBER = 1;
export const A_BOOLEAN = 2;

/** Sampler input: SAMPLER_FIELDS i32 lengths (-1: absent), then the bytes from SAMPLER_BYTES_AT. */
export const SAMPLER_FIELDS = 5;
export const SAMPLER_BYTES_AT = 20;
/** Pattern bytes a rule field may take; a longer pattern is refused at load (never cut). */
export const MAX_PATTERN_BYTES = 4096;

// Centralized sampling rules (centralized.ts). Input of centralAddRule and centralDecide:
// CENTRAL_FIELDS i32 lengths (-1: absent) for host, method, path, service name, service type and
// resource ARN; at CENTRAL_ATTRS_AT the number of attributes; from CENTRAL_PAIRS_AT their
// (key length, value length) pairs; from CENTRAL_BYTES_AT the bytes, fields then attributes.
export const CENTRAL_FIELDS = 6;
export const CENTRAL_ATTRS_AT = 24;
export const CENTRAL_PAIRS_AT = 28;
/** Attributes a rule or a request may carry. */
export const MAX_ATTRIBUTES = 64;
export const CENTRAL_BYTES_AT = 540;
/** centralAddRule flags: the "Default" rule (matches all); a reservoir to borrow from. */
export const C_DEFAULT = 1;
export const C_BORROW = 2;
/** centralDecide: (rule index << 2) | (borrowed << 1) | sampled, or -1 when no rule matched. */
export const C_SAMPLED = 1;
export const C_BORROWED = 2;
/** centralStats' report: the rule's counts since the last report (then reset). */
export const R_STAT_REQUESTS = 768;
export const R_STAT_SAMPLED = 769;
export const R_STAT_BORROWED = 770;

// The documented X-Ray limits (core/limits.ts re-exports the public ones).
/** Largest UDP payload over IPv4 (65,535 − 8 − 20): a bigger datagram cannot leave the host. */
export const MAX_DATAGRAM_BYTES = 65507;
/** X-Ray's documented ceiling for one segment document. */
export const MAX_DOCUMENT_BYTES = 65536;
/** Segment and subsegment names: 1 to 200 characters. */
export const MAX_NAME_CHARS = 200;
/** Annotations per segment or subsegment. */
export const MAX_ANNOTATIONS = 50;
/** Annotation keys: `[A-Za-z0-9_]`, 1 to 500 characters. */
export const MAX_ANNOTATION_KEY_CHARS = 500;
/** Annotation string values: at most 1000 characters. */
export const MAX_ANNOTATION_VALUE_CHARS = 1000;
/** `cause.working_directory`: characters kept (a longer one is cut, still valid JSON). */
export const MAX_PATH_CHARS = 1024;
/**
 * Bytes one segment or subsegment may hold of its own (annotations, metadata, http, aws, sql,
 * cause...). With the fixed fields (name ≤ 800 bytes, IDs, times, type) a document holding only
 * its own data then always fits in one datagram, which is what lets the splitter end.
 */
export const NODE_BUDGET = 60000;
/** Extra (unknown) trace-header fields kept, counted as `;key=value`. */
export const HEADER_EXTRA_BUDGET = 256;
export const TRACE_ID_LENGTH = 35;
export const SEGMENT_ID_LENGTH = 16;

// Bounds of the core's memory.
/**
 * Bytes of data a trace may hold before its closed subsegments leave early, each as a document
 * of its own when it closes: four datagrams' worth, so that an ordinary trace (which fits one
 * datagram) is never split, and a huge one never needs more than this much memory.
 */
export const TRACE_BUDGET = 262144;
/** Default cap on live entities per core (settable with setMaxEntities): about 46 MB of nodes. */
export const DEFAULT_MAX_ENTITIES = 131072;
/** The largest cap setMaxEntities takes: slot numbers must fit 21 bits (see core/abi.ts). */
export const MAX_ENTITIES_LIMIT = 2097152;
/**
 * Levels of subsegments one document nests at most: deeper ones are sent as documents of their
 * own. JSON parsers cap nesting (Jackson at 1,000 by default, our validator reports past 64).
 */
export const MAX_DOCUMENT_DEPTH = 32;
/** Emissions drained at once: a close from inside an emitter nests one more. */
export const MAX_EMISSIONS = 16;
