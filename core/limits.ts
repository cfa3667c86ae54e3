/**
 * The documented X-Ray limits the whole SDK enforces (the core, the validator, the daemon), and
 * the core's own bounds. Defined once, in core/assembly/shared.ts, which the AssemblyScript core
 * compiles too.
 */
export {
  MAX_DATAGRAM_BYTES,
  MAX_DOCUMENT_BYTES,
  MAX_NAME_CHARS,
  MAX_ANNOTATIONS,
  MAX_ANNOTATION_KEY_CHARS,
  MAX_ANNOTATION_VALUE_CHARS,
  MAX_PATH_CHARS,
  NODE_BUDGET,
  TRACE_BUDGET,
  DEFAULT_MAX_ENTITIES,
  MAX_ENTITIES_LIMIT,
} from "./assembly/shared.ts";
