/**
 * One received datagram → either "dropped" (no usable header line, as the real daemon drops it) or
 * a document with its validation result. Never throws, whatever the bytes are.
 *
 * The header is accepted the way AWS's daemon accepts it: the first line must parse as JSON with
 * `format` "json" (any case) and `version` 1. So both our `{"format": "json", "version": 1}` and
 * aws-xray-sdk-core's `{"format":"json","version":1}` pass; anything else is dropped.
 */
import { DAEMON_HEADER } from "../../core/emitter.ts";
import { MAX_DATAGRAM_BYTES } from "../../core/limits.ts";
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

/** A header line longer than this is not a header. */
const MAX_HEADER_BYTES = 256;
const NEWLINE = 0x0a;
const encoder = new TextEncoder();
const lenient = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
const CANONICAL_HEADER = encoder.encode(DAEMON_HEADER);

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
  const check = safeValidate(datagram, body);
  const result: Inspected = { kind: "document", text, violations: check.violations };
  if (check.document !== undefined) result.document = check.document;
  return result;
}

function safeValidate(datagram: Uint8Array, body: Uint8Array): { document?: Record<string, unknown>; violations: Violation[] } {
  try {
    let check = validateDatagram(datagram);
    if (!check.headerOk) {
      // The header passed the daemon's own (JSON) test but not the validator's exact-bytes test,
      // e.g. aws-xray-sdk-core's header without spaces: validate the document under ours.
      const canonical = new Uint8Array(CANONICAL_HEADER.length + body.length);
      canonical.set(CANONICAL_HEADER, 0);
      canonical.set(body, CANONICAL_HEADER.length);
      check = validateDatagram(canonical);
      // Our header is 3 bytes longer: a datagram that fit must not fail the size check for that.
      if (canonical.length > MAX_DATAGRAM_BYTES && datagram.length <= MAX_DATAGRAM_BYTES && Array.isArray(check.violations)) {
        check = { ...check, violations: check.violations.filter((v) => !/^the datagram is \d+ bytes/.test(v?.message ?? "")) };
      }
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

function describe(err: unknown): string {
  try {
    return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  } catch {
    return "unknown error";
  }
}
