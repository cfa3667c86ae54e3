/**
 * The documented X-Ray limits the whole SDK enforces, in one place so the core's TypeScript side,
 * the validator and the daemon agree. The AssemblyScript core keeps its own copies in
 * core/assembly/limits.ts; test/limits.test.ts checks that the two agree.
 */

/** Largest UDP payload over IPv4 (65,535 − 8 − 20): a bigger datagram cannot leave the host. */
export const MAX_DATAGRAM_BYTES = 65507;
/** X-Ray's documented ceiling for one segment document. */
export const MAX_DOCUMENT_BYTES = 64 * 1024;
/** Segment and subsegment names: 1 to 200 characters. */
export const MAX_NAME_CHARS = 200;
/** Annotations per segment or subsegment. */
export const MAX_ANNOTATIONS = 50;
/** Annotation keys: `[A-Za-z0-9_]`, 1 to 500 characters. */
export const MAX_ANNOTATION_KEY_CHARS = 500;
/** Annotation string values: at most 1000 characters. */
export const MAX_ANNOTATION_VALUE_CHARS = 1000;
