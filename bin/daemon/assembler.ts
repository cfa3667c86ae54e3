/**
 * Groups documents by trace_id and decides when a trace is done:
 * - finished: a root segment (no parent_id) has arrived with an end_time, nothing in the trace is
 *   still in progress and every parent_id names a node that has arrived; printed after a short
 *   grace so that datagrams of the same burst still join it;
 * - quiet: `settleMs` passed without a new document for the trace; printed as it is (unfinished);
 * - timed out: not finished `traceTimeoutMs` after its first document, however busy; printed as
 *   incomplete and dropped (a trace that never completes must not be held for ever);
 * - evicted: what the assembler holds passed `maxBytes`; the oldest open traces are printed and
 *   dropped until it fits again;
 * - stopped: still open when the daemon stops.
 * A document for a trace already printed starts a new entry marked `late`.
 *
 * Memory: documents are held in their compact form (compact.ts), and every byte held (compact
 * documents, the id sets, the trace ids remembered as printed) is counted against `maxBytes`.
 */
import { ID_BYTES, MAX_ID_CHARS, compactDocument } from "./compact.ts";
import { buildTree, scanDocument, type BuiltTree, type StoredDocument } from "./tree.ts";

export type Incomplete = "quiet" | "timed out" | "evicted" | "stopped";

export interface AssembledTrace extends BuiltTree {
  traceId: string;
  /** Documents received for the trace (a document sent twice, in progress then complete, counts twice). */
  documents: number;
  /** Completed normally (see above); false otherwise, and `incomplete` says why it was printed. */
  finished: boolean;
  incomplete?: Incomplete;
  /** The trace had already been printed when these documents arrived. */
  late: boolean;
}

export interface AssemblerOptions {
  settleMs: number;
  /** A trace not finished this long after its first document is printed as incomplete and dropped. */
  traceTimeoutMs: number;
  /** The budget for everything the assembler holds, in bytes (an upper estimate of the heap). */
  maxBytes: number;
  onTrace(trace: AssembledTrace): void;
  graceMs?: number;
}

interface HeldDocument extends StoredDocument {
  bytes: number;
}

interface OpenTrace {
  traceId: string;
  docs: Map<string, HeldDocument>;
  received: number;
  known: Set<string>;
  inProgress: Set<string>;
  awaitedParents: Set<string>;
  rootComplete: boolean;
  late: boolean;
  /** Date.now() after which the trace is timed out. */
  deadline: number;
  bytes: number;
  timer?: ReturnType<typeof setTimeout>;
}

/** An open trace's own overhead: its record, maps, sets and timer. */
const TRACE_BYTES = 1024;
const REMEMBER_PRINTED = 10_000;
const idBytes = (id: string): number => ID_BYTES + 2 * id.length;

export class Assembler {
  private readonly open = new Map<string, OpenTrace>();
  private readonly printed = new Set<string>();
  private printedBytes = 0;
  private openBytes = 0;
  private readonly grace: number;

  constructor(private readonly options: AssemblerOptions) {
    this.grace = Math.min(options.graceMs ?? 25, options.settleMs);
  }

  get openTraces(): number {
    return this.open.size;
  }

  /** The estimated bytes held now; at most `maxBytes` between calls. */
  get heldBytes(): number {
    return this.openBytes + this.printedBytes;
  }

  /** Adds one document. Returns false when it cannot be placed (no string trace_id and id). */
  add(doc: Record<string, unknown>, invalid = false): boolean {
    const traceId = doc.trace_id;
    const id = doc.id;
    if (typeof traceId !== "string" || typeof id !== "string" || traceId.length > MAX_ID_CHARS || id.length > MAX_ID_CHARS) return false;
    const now = Date.now();

    let trace = this.open.get(traceId);
    // Its timer may not have run yet on a busy loop: the deadline is kept all the same.
    if (trace && now >= trace.deadline) {
      this.emit(trace, false, "timed out");
      trace = undefined;
    }
    if (!trace) {
      trace = {
        traceId,
        docs: new Map(),
        received: 0,
        known: new Set(),
        inProgress: new Set(),
        awaitedParents: new Set(),
        rootComplete: false,
        late: this.printed.has(traceId),
        deadline: now + this.options.traceTimeoutMs,
        bytes: 0,
      };
      this.open.set(traceId, trace);
      this.grow(trace, TRACE_BYTES + idBytes(traceId));
    }
    trace.received++;

    const existing = trace.docs.get(id);
    const incomingInProgress = doc.in_progress === true;
    // A complete document is never replaced by an in-progress copy of itself arriving late.
    if (!(existing && existing.doc.in_progress !== true && incomingInProgress)) {
      const compact = compactDocument(doc);
      if (existing) this.grow(trace, -existing.bytes);
      const held: HeldDocument = { doc: compact.doc, invalid, omitted: compact.omitted, bytes: compact.bytes + idBytes(id) };
      trace.docs.set(id, held);
      this.grow(trace, held.bytes);
      const scan = scanDocument(compact.doc);
      for (const known of scan.ids) {
        this.addId(trace, trace.known, known);
        this.deleteId(trace, trace.awaitedParents, known);
      }
      if (scan.inProgress) this.addId(trace, trace.inProgress, id);
      else this.deleteId(trace, trace.inProgress, id);
      const parent = compact.doc.parent_id;
      if (typeof parent === "string" && !trace.known.has(parent)) this.addId(trace, trace.awaitedParents, parent);
      const isRoot = compact.doc.type !== "subsegment" && parent === undefined;
      if (isRoot && !incomingInProgress && typeof compact.doc.end_time === "number") trace.rootComplete = true;
    }

    this.schedule(trace, now);
    this.enforceBudget();
    return true;
  }

  /** Emits every open trace as unfinished (on stop). */
  flushAll(): void {
    for (const trace of [...this.open.values()]) this.emit(trace, false, "stopped");
  }

  /** Stops the timers without emitting. */
  close(): void {
    for (const trace of this.open.values()) if (trace.timer) clearTimeout(trace.timer);
    this.open.clear();
    this.openBytes = 0;
  }

  private grow(trace: OpenTrace, bytes: number): void {
    trace.bytes += bytes;
    this.openBytes += bytes;
  }

  private addId(trace: OpenTrace, set: Set<string>, id: string): void {
    if (set.has(id)) return;
    set.add(id);
    this.grow(trace, idBytes(id));
  }

  private deleteId(trace: OpenTrace, set: Set<string>, id: string): void {
    if (set.delete(id)) this.grow(trace, -idBytes(id));
  }

  private schedule(trace: OpenTrace, now: number): void {
    if (trace.timer) clearTimeout(trace.timer);
    const finished = trace.rootComplete && trace.inProgress.size === 0 && trace.awaitedParents.size === 0;
    const quietMs = finished ? this.grace : this.options.settleMs;
    const untilDeadline = Math.max(0, trace.deadline - now);
    const fire = finished
      ? () => this.emit(trace, true)
      : untilDeadline <= quietMs
        ? () => this.emit(trace, false, "timed out")
        : () => this.emit(trace, false, "quiet");
    trace.timer = setTimeout(fire, Math.min(quietMs, untilDeadline));
    trace.timer.unref?.();
  }

  /** The oldest open traces go first; the memory of printed ids last (it only marks late documents). */
  private enforceBudget(): void {
    while (this.heldBytes > this.options.maxBytes) {
      const oldest = this.open.values().next().value;
      if (oldest) {
        this.emit(oldest, false, "evicted");
        continue;
      }
      const first = this.printed.values().next().value;
      if (first === undefined) break;
      this.forgetPrinted(first);
    }
  }

  private forgetPrinted(traceId: string): void {
    if (this.printed.delete(traceId)) this.printedBytes -= idBytes(traceId);
  }

  private emit(trace: OpenTrace, finished: boolean, incomplete?: Incomplete): void {
    if (this.open.get(trace.traceId) !== trace) return;
    if (trace.timer) clearTimeout(trace.timer);
    this.open.delete(trace.traceId);
    this.openBytes -= trace.bytes;
    this.forgetPrinted(trace.traceId);
    this.printed.add(trace.traceId);
    this.printedBytes += idBytes(trace.traceId);
    if (this.printed.size > REMEMBER_PRINTED) {
      const first = this.printed.values().next().value;
      if (first !== undefined) this.forgetPrinted(first);
    }
    const tree = buildTree(trace.docs.values());
    const assembled: AssembledTrace = { ...tree, traceId: trace.traceId, documents: trace.received, finished, late: trace.late };
    if (!finished && incomplete) assembled.incomplete = incomplete;
    this.options.onTrace(assembled);
  }
}
