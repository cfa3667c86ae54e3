/**
 * Groups documents by trace_id and decides when a trace is done:
 * - finished: a root segment (no parent_id) has arrived with an end_time, nothing in the trace is
 *   still in progress and every parent_id names a node that has arrived; printed after a short
 *   grace so that datagrams of the same burst still join it;
 * - settled: `settleMs` passed without a new document for the trace; printed as it is (unfinished);
 * - flushed: on stop, or when the memory bounds push the oldest open trace out.
 * A document for a trace already printed starts a new entry marked `late`.
 */
import { buildTree, scanDocument, type BuiltTree, type StoredDocument } from "./tree.ts";

export interface AssembledTrace extends BuiltTree {
  traceId: string;
  /** Documents received for the trace (a document sent twice, in progress then complete, counts twice). */
  documents: number;
  /** Completed normally (see above); false when settled or flushed. */
  finished: boolean;
  /** The trace had already been printed when these documents arrived. */
  late: boolean;
}

export interface AssemblerOptions {
  settleMs: number;
  onTrace(trace: AssembledTrace): void;
  graceMs?: number;
  maxOpenTraces?: number;
  maxDocumentsPerTrace?: number;
  maxDocuments?: number;
}

interface OpenTrace {
  traceId: string;
  docs: Map<string, StoredDocument>;
  received: number;
  known: Set<string>;
  inProgress: Set<string>;
  awaitedParents: Set<string>;
  rootComplete: boolean;
  late: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

const REMEMBER_PRINTED = 10_000;

export class Assembler {
  private readonly open = new Map<string, OpenTrace>();
  private readonly printed = new Set<string>();
  private totalDocuments = 0;
  private readonly grace: number;
  private readonly maxOpen: number;
  private readonly maxPerTrace: number;
  private readonly maxTotal: number;

  constructor(private readonly options: AssemblerOptions) {
    this.grace = Math.min(options.graceMs ?? 25, options.settleMs);
    this.maxOpen = options.maxOpenTraces ?? 10_000;
    this.maxPerTrace = options.maxDocumentsPerTrace ?? 10_000;
    this.maxTotal = options.maxDocuments ?? 200_000;
  }

  get openTraces(): number {
    return this.open.size;
  }

  /** Adds one document. Returns false when it cannot be placed (no string trace_id and id). */
  add(doc: Record<string, unknown>, invalid = false): boolean {
    const traceId = doc.trace_id;
    const id = doc.id;
    if (typeof traceId !== "string" || typeof id !== "string" || traceId.length > 200 || id.length > 200) return false;

    let trace = this.open.get(traceId);
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
      };
      this.open.set(traceId, trace);
    }
    trace.received++;

    const existing = trace.docs.get(id);
    const incomingInProgress = doc.in_progress === true;
    // A complete document is never replaced by an in-progress copy of itself arriving late.
    if (!(existing && existing.doc.in_progress !== true && incomingInProgress)) {
      if (!existing) this.totalDocuments++;
      trace.docs.set(id, { doc, invalid });
      const scan = scanDocument(doc);
      for (const known of scan.ids) {
        trace.known.add(known);
        trace.awaitedParents.delete(known);
      }
      if (scan.inProgress) trace.inProgress.add(id);
      else trace.inProgress.delete(id);
      const parent = doc.parent_id;
      if (typeof parent === "string" && !trace.known.has(parent)) trace.awaitedParents.add(parent);
      const isRoot = doc.type !== "subsegment" && parent === undefined;
      if (isRoot && !incomingInProgress && typeof doc.end_time === "number") trace.rootComplete = true;
    }

    if (trace.docs.size >= this.maxPerTrace) {
      this.emit(trace, false);
    } else {
      this.schedule(trace);
    }
    this.enforceBounds();
    return true;
  }

  /** Emits every open trace as unfinished (on stop). */
  flushAll(): void {
    for (const trace of [...this.open.values()]) this.emit(trace, false);
  }

  /** Stops the timers without emitting. */
  close(): void {
    for (const trace of this.open.values()) if (trace.timer) clearTimeout(trace.timer);
    this.open.clear();
    this.totalDocuments = 0;
  }

  private schedule(trace: OpenTrace): void {
    if (trace.timer) clearTimeout(trace.timer);
    const finished = trace.rootComplete && trace.inProgress.size === 0 && trace.awaitedParents.size === 0;
    trace.timer = setTimeout(() => this.emit(trace, finished), finished ? this.grace : this.options.settleMs);
    trace.timer.unref?.();
  }

  private enforceBounds(): void {
    while (this.open.size > this.maxOpen || (this.totalDocuments > this.maxTotal && this.open.size > 0)) {
      const oldest = this.open.values().next().value;
      if (!oldest) break;
      this.emit(oldest, false);
    }
  }

  private emit(trace: OpenTrace, finished: boolean): void {
    if (this.open.get(trace.traceId) !== trace) return;
    if (trace.timer) clearTimeout(trace.timer);
    this.open.delete(trace.traceId);
    this.totalDocuments -= trace.docs.size;
    this.printed.delete(trace.traceId);
    this.printed.add(trace.traceId);
    if (this.printed.size > REMEMBER_PRINTED) {
      const first = this.printed.values().next().value;
      if (first !== undefined) this.printed.delete(first);
    }
    const tree = buildTree(trace.docs.values());
    this.options.onTrace({ ...tree, traceId: trace.traceId, documents: trace.received, finished, late: trace.late });
  }
}
