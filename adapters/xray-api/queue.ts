/**
 * The documents an X-Ray API emitter holds, in order, with what the bounds need: each document's
 * UTF-8 size (the queue's bound counts those) and its size once escaped into the call's JSON body
 * (the request bound counts those). Copies: the datagram's view is only valid during send().
 */
import { DAEMON_HEADER } from "../../core/emitter.ts";

export interface Document {
  /** The JSON, decoded: the SDK and the body both take strings. */
  text: string;
  /** UTF-8 bytes of the document (the header line not included). */
  bytes: number;
  /** Bytes it adds to the body `{"TraceSegmentDocuments":[...]}`: quoted, `"` and `\` escaped, a comma. */
  wire: number;
  /** Its position among the documents queued: flush() waits for a position. */
  seq: number;
}

const HEADER = new TextEncoder().encode(DAEMON_HEADER);
const decoder = new TextDecoder();
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The document of a daemon datagram, or undefined when the datagram lacks the header line. */
export function documentOf(datagram: Uint8Array): { body: Uint8Array } | undefined {
  if (datagram.length < HEADER.length) return undefined;
  for (let i = 0; i < HEADER.length; i++) if (datagram[i] !== HEADER[i]) return undefined;
  return { body: datagram.subarray(HEADER.length) };
}

/**
 * The copy held for sending. A document from the core is compact JSON with its control characters
 * already escaped, so embedding it as a JSON string escapes only its quotes and backslashes.
 */
export function copyDocument(body: Uint8Array, seq: number): Document {
  let escapes = 0;
  for (let i = 0; i < body.length; i++) if (body[i] === QUOTE || body[i] === BACKSLASH) escapes++;
  return { text: decoder.decode(body), bytes: body.length, wire: body.length + escapes + 3, seq };
}

/** The body's bytes besides the documents: `{"TraceSegmentDocuments":[` and `]}`. */
export const BODY_OVERHEAD = '{"TraceSegmentDocuments":[]}'.length;

export class DocumentQueue {
  private items: Document[] = [];
  private head = 0;
  /** Wire bytes of the documents waiting. */
  wire = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  first(): Document | undefined {
    return this.items[this.head];
  }

  push(document: Document): void {
    this.items.push(document);
    this.wire += document.wire;
  }

  /** The next call's documents: at most `max`, within `maxBytes` of body, and always at least one. */
  take(max: number, maxBytes: number): Document[] {
    const batch: Document[] = [];
    let bytes = BODY_OVERHEAD;
    while (batch.length < max && this.head < this.items.length) {
      const next = this.items[this.head]!;
      if (batch.length > 0 && bytes + next.wire > maxBytes) break;
      batch.push(next);
      bytes += next.wire;
      this.wire -= next.wire;
      this.head++;
    }
    // Compact now and then rather than shift() per document (O(n) each).
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return batch;
  }
}
