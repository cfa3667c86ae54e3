/**
 * One received datagram → either "dropped" (no usable header line, as the real daemon drops it) or
 * a document with its validation result. Never throws, whatever the bytes are.
 *
 * The header is accepted the way AWS's daemon accepts it: the first line must parse as JSON with
 * `format` "json" (any case) and `version` 1. So both our `{"format": "json", "version": 1}` and
 * aws-xray-sdk-core's `{"format":"json","version":1}` pass; anything else is dropped.
 */
import { validateDatagram, type Violation } from "../../core/validate.ts";

export type { Violation };

export type Inspected =
  | { kind: "dropped"; reason: "no header" | "no document" }
  | {
      kind: "document";
      /** The document's text (after the header line), decoded leniently. */
      text: string;
      /** The parsed document when it was a JSON object. */
      document?: Record<string, unknown>;
      violations: Violation[];
    };

/**
 * A header line longer than this is not a header. 255: the validator looks no further for the
 * newline, and the two must agree for the stand-in header below to keep the datagram's length.
 */
const MAX_HEADER_BYTES = 255;
const NEWLINE = 0x0a;
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
/**
 * The shortest header line the validator accepts (29 bytes, no newline). No header the daemon
 * accepts is shorter: it must hold `"format"`, `"json"`, `"version"` and `1`.
 */
const STAND_IN_HEADER = new TextEncoder().encode('{"format":"json","version":1}');

/** Whether the header line (without its newline) is one the X-Ray daemon accepts. */
export function headerAccepted(header: Uint8Array): boolean {
  if (header.length === 0 || header.length > MAX_HEADER_BYTES) return false;
  try {
    const parsed: unknown = JSON.parse(lenient.decode(header));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
    const { format, version } = parsed as { format?: unknown; version?: unknown };
    return typeof format === "string" && format.toLowerCase() === "json" && version === 1;
  } catch {
    return false;
  }
}

export function inspectDatagram(datagram: Uint8Array): Inspected {
  const limit = Math.min(datagram.length, MAX_HEADER_BYTES + 1);
  let newline = -1;
  for (let i = 0; i < limit; i++) {
    if (datagram[i] === NEWLINE) {
      newline = i;
      break;
    }
  }
  if (newline < 0 || !headerAccepted(datagram.subarray(0, newline))) return { kind: "dropped", reason: "no header" };
  const body = datagram.subarray(newline + 1);
  if (body.length === 0) return { kind: "dropped", reason: "no document" };

  const text = lenient.decode(body);
  const check = safeValidate(datagram, newline);
  const result: Inspected = { kind: "document", text, violations: check.violations };
  if (check.document !== undefined) result.document = check.document;
  return result;
}

function safeValidate(datagram: Uint8Array, headerBytes: number): { document?: Record<string, unknown>; violations: Violation[] } {
  try {
    let check = validateDatagram(datagram);
    if (!check.headerOk) {
      // The header passed the daemon's own (JSON, any case) test but not the validator's stricter
      // one, e.g. `{"format":"JSON","version":1}`: validate the document under a header the
      // validator takes, padded to the received header's length, so that the validator's size
      // checks see the real sizes (a datagram of up to 65,507 bytes is legal UDP whatever its header).
      check = validateDatagram(withStandInHeader(datagram, headerBytes));
    }
    const violations = Array.isArray(check.violations) ? check.violations : [];
    const out: { document?: Record<string, unknown>; violations: Violation[] } = { violations };
    const doc: unknown = check.document;
    if (typeof doc === "object" && doc !== null && !Array.isArray(doc)) out.document = doc as Record<string, unknown>;
    return out;
  } catch (err) {
    return { violations: [{ path: "", message: `validator failed: ${describe(err)}` }] };
  }
}

/** The datagram with its header line (`headerBytes` long, newline excluded) replaced by STAND_IN_HEADER and spaces. */
function withStandInHeader(datagram: Uint8Array, headerBytes: number): Uint8Array {
  const copy = new Uint8Array(datagram.length);
  copy.fill(0x20, 0, headerBytes);
  copy.set(STAND_IN_HEADER, 0);
  copy.set(datagram.subarray(headerBytes), headerBytes);
  return copy;
}

function describe(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return "unknown error";
  }
}
