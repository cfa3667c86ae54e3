/**
 * An Emitter that sends documents straight to the X-Ray API (PutTraceSegments), where no daemon
 * listens: Workers, containers without a sidecar. It does what the daemon would: batches of at most
 * 50 documents, sent when a batch is full, when its first document has waited `intervalMs`, or on
 * flush(). Unlike the daemon it retries throttling, 5xx, timeouts and the unprocessed segments the
 * API reports as retryable, on a bounded schedule (retry.ts).
 *
 * The rule the counters keep: every datagram handed to send() ends in exactly one of `sent`,
 * `failed` (refused, or given up on after its attempts) or `dropped` (the queue's byte bound was
 * reached), or is still held (`queued`). Nothing here throws into the caller, and no timer of
 * its own keeps the process alive (all are unref'd: flush() before exit to send what is held).
 */
import type { Emitter } from "../../core/emitter.ts";
import { type Logger, Warnings } from "../../core/log.ts";
import { levelLogger, readSettings } from "../context/settings.ts";
import { checkOptions, MAX_DOCUMENT_BYTES, type Settings, type XrayApiEmitterOptions } from "./options.ts";
import { copyDocument, type Document, DocumentQueue, documentOf } from "./queue.ts";
import { backoffMs, classify, isRetryableCode } from "./retry.ts";
import { type Load, type Put, sdkPut, signedPut, type UnprocessedSegment } from "./transport.ts";

export interface XrayApiStats {
  /** Documents the API accepted. */
  sent: number;
  /** Documents refused (malformed, over 64 KB, a final error or unprocessed code) or given up on after maxAttempts. */
  failed: number;
  /** Documents not taken because the held bytes would pass maxQueueBytes. */
  dropped: number;
  /** Bytes of the documents sent. */
  bytes: number;
  /** PutTraceSegments calls made, retries included. */
  calls: number;
  /** Calls that were retries (after throttling, 5xx, a timeout, a network error or retryable unprocessed segments). */
  retries: number;
  /** UnprocessedTraceSegments entries the API returned (a document retried and then sent counts here and in sent). */
  unprocessed: number;
  /** Documents held now: waiting or in flight. */
  queued: number;
  /** Their bytes (the figure maxQueueBytes bounds). */
  queuedBytes: number;
}

export interface XrayApiEmitter extends Emitter {
  stats(): XrayApiStats;
}

/** The timers and randomness of the emitter, replaceable by a test's (not exported from the subpath). */
export interface XrayApiHooks {
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  /** In [0, 1): the backoff's jitter. Default: the CSPRNG (crypto.getRandomValues). */
  random?: () => number;
  /** How @aws-sdk/client-xray is imported. */
  load?: Load;
}

/** The timer must not keep the process alive: Node's and Bun's have unref(), Deno's is a number, workerd has neither. */
function unref(timer: unknown): void {
  hold(timer, false);
}

/** Whether the timer keeps the process alive (ref) or not (unref), where the runtime can say. */
function hold(timer: unknown, keep: boolean): void {
  try {
    const method = keep ? "ref" : "unref";
    if (typeof (timer as Record<string, unknown>)?.[method] === "function") (timer as Record<string, () => void>)[method]!();
    else if (typeof timer === "number")
      (globalThis as { Deno?: Record<string, ((id: number) => void) | undefined> }).Deno?.[keep ? "refTimer" : "unrefTimer"]?.(timer);
  } catch {
    // nothing to undo: at worst the timer holds the process until it fires, or does not hold it
  }
}

const cryptoRandom = (): number => {
  const word = new Uint32Array(1);
  globalThis.crypto.getRandomValues(word);
  return word[0]! / 2 ** 32;
};

function defaultLogger(): Logger {
  try {
    return levelLogger(readSettings().logLevel);
  } catch (error) {
    if ((error as Error)?.name === "NotCapable" || (error as Error)?.name === "PermissionDenied") return levelLogger("warn");
    throw error;
  }
}

/**
 * An Emitter to the X-Ray API. Malformed options throw here, naming the option; nothing later does.
 * Signs through @aws-sdk/client-xray (`client`, or one made from `region`, `credentials`,
 * `endpoint`, loaded at the first call) or through `signer` and `fetch` (aws4fetch, for Workers).
 *
 * @example
 * const tracer = new Tracer({ emitter: createXrayApiEmitter({ region: "us-east-1" }) });
 */
export function createXrayApiEmitter(options: XrayApiEmitterOptions = {}): XrayApiEmitter {
  return createXrayApiEmitterWith(options);
}

export function createXrayApiEmitterWith(options: XrayApiEmitterOptions, hooks: XrayApiHooks = {}): XrayApiEmitter {
  const settings = checkOptions(options);
  const logger = options.logger ?? defaultLogger();
  const fetcher = options.fetch ?? ((request: Request, init?: { signal?: AbortSignal }) => globalThis.fetch(request, init));
  const put: Put = options.signer
    ? signedPut(options.signer, settings.endpoint!, fetcher)
    : sdkPut(
        { client: options.client, region: settings.region, credentials: options.credentials, endpoint: settings.endpoint },
        hooks.load,
      );
  const where = options.client ? "the X-Ray API (through the given client)" : (settings.endpoint ?? `the X-Ray API in ${settings.region}`);
  return new ApiEmitter(settings, put, logger, where, hooks);
}

class ApiEmitter implements XrayApiEmitter {
  private readonly counts: Omit<XrayApiStats, "queued" | "queuedBytes"> = {
    sent: 0,
    failed: 0,
    dropped: 0,
    bytes: 0,
    calls: 0,
    retries: 0,
    unprocessed: 0,
  };
  private readonly queue = new DocumentQueue();
  /** Documents queued and in flight, and their bytes. */
  private held = 0;
  private heldBytes = 0;
  private lastSeq = 0;
  /** Every queued document up to this position is sent or failed. */
  private settledThrough = 0;
  /** Documents up to this position go without waiting for a full batch (the timer fired, or flush()). */
  private drainThrough = 0;
  private waiters: { target: number; resolve: () => void }[] = [];
  /**
   * The timers of a batch under way (a call's deadline, a backoff): unref'd, except while a flush()
   * waits. Then they hold the process, or Node would end it in a backoff with nothing else pending,
   * the flush() unresolved and its documents unsent (a top-level await exits 13).
   */
  private readonly working = new Set<unknown>();
  private timer: unknown;
  private running = false;
  private readonly warnings: Warnings;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly random: () => number;

  constructor(
    private readonly settings: Settings,
    private readonly put: Put,
    logger: Logger,
    private readonly where: string,
    hooks: XrayApiHooks,
  ) {
    this.warnings = new Warnings(logger);
    this.setTimer = hooks.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms));
    this.clearTimer = hooks.clearTimeout ?? ((handle) => globalThis.clearTimeout(handle as number));
    this.random = hooks.random ?? cryptoRandom;
  }

  send(datagram: Uint8Array): void {
    try {
      this.take(datagram);
    } catch (error) {
      // Only a bug could land here (a throwing timer hook): the datagram is lost, so it is counted.
      this.counts.failed++;
      this.warnings.once("internal", `the X-Ray API emitter failed to take a document (${(error as Error)?.message ?? error})`);
    }
  }

  stats(): XrayApiStats {
    return { ...this.counts, queued: this.held, queuedBytes: this.heldBytes };
  }

  flush(): Promise<void> {
    const target = this.lastSeq;
    if (this.settledThrough >= target) return Promise.resolve();
    this.drainThrough = Math.max(this.drainThrough, target);
    const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    for (const timer of this.working) hold(timer, true);
    this.kick();
    return done;
  }

  private take(datagram: Uint8Array): void {
    const document = datagram instanceof Uint8Array ? documentOf(datagram) : undefined;
    if (document === undefined) {
      this.counts.failed++;
      this.warnings.once("malformed", "the X-Ray API emitter was handed a datagram without the daemon header line: counted failed");
      return;
    }
    if (document.body.length > MAX_DOCUMENT_BYTES) {
      this.counts.failed++;
      this.warnings.once("too large", `a document of ${document.body.length} bytes is over the API's 64 KB: counted failed`);
      return;
    }
    if (this.heldBytes + document.body.length > this.settings.maxQueueBytes) {
      this.counts.dropped++;
      this.warnings.once(
        "dropped",
        `the X-Ray API emitter holds ${this.heldBytes} bytes (maxQueueBytes ${this.settings.maxQueueBytes}): documents are dropped until ${this.where} takes them; counted in dropped`,
      );
      return;
    }
    this.queue.push(copyDocument(document.body, ++this.lastSeq));
    this.held++;
    this.heldBytes += document.body.length;
    if (this.ready()) this.kick();
    else this.arm();
  }

  /** A call is due: a full batch waits, or documents the timer or a flush() released. */
  private ready(): boolean {
    const first = this.queue.first();
    if (first === undefined) return false;
    return (
      first.seq <= this.drainThrough ||
      this.queue.length >= this.settings.maxBatchDocuments ||
      this.queue.wire >= this.settings.maxRequestBytes
    );
  }

  /** The interval: armed by the first document of a batch, not a periodic tick (an idle emitter wakes nothing). */
  private arm(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      this.drainThrough = this.lastSeq;
      this.kick();
    }, this.settings.intervalMs);
    unref(this.timer);
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    void this.pump();
  }

  /** One call at a time, in order: a batch (with its retries) ends before the next begins. */
  private async pump(): Promise<void> {
    try {
      while (this.ready()) {
        const batch = this.queue.take(this.settings.maxBatchDocuments, this.settings.maxRequestBytes);
        try {
          await this.deliver(batch);
        } catch (error) {
          this.fail(batch, "internal", `${(error as Error)?.message ?? error}`);
        }
        this.settle(batch[batch.length - 1]!.seq);
      }
    } finally {
      this.running = false;
      if (this.ready()) this.kick();
      else this.arm();
    }
  }

  private async deliver(batch: Document[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      this.counts.calls++;
      if (attempt > 1) this.counts.retries++;
      let unprocessed: UnprocessedSegment[];
      try {
        unprocessed = await this.call(pending.map((d) => d.text));
      } catch (error) {
        const verdict = classify(error);
        if (!verdict.retryable || attempt >= this.settings.maxAttempts) {
          const after = verdict.retryable ? ` after ${attempt} attempts` : "";
          return this.fail(pending, verdict.kind, `${(error as Error)?.message ?? error}${after}`);
        }
        await this.sleep(backoffMs(attempt, this.random()));
        continue;
      }
      pending = this.sort(pending, unprocessed);
      if (pending.length === 0) return;
      if (attempt >= this.settings.maxAttempts) return this.fail(pending, "unprocessed", `still unprocessed after ${attempt} attempts`);
      await this.sleep(backoffMs(attempt, this.random()));
    }
  }

  /** Counts a call's answer: unprocessed documents with a retryable code come back, the others fail, the rest are sent. */
  private sort(batch: Document[], unprocessed: UnprocessedSegment[]): Document[] {
    if (unprocessed.length === 0) {
      this.sent(batch);
      return [];
    }
    this.counts.unprocessed += unprocessed.length;
    const codes = new Map<string, string | undefined>();
    for (const entry of unprocessed) if (typeof entry?.Id === "string") codes.set(entry.Id, entry.ErrorCode);
    const again: Document[] = [];
    const refused: Document[] = [];
    const accepted: Document[] = [];
    for (const document of batch) {
      const id = idOf(document);
      if (id === undefined || !codes.has(id)) accepted.push(document);
      else if (isRetryableCode(codes.get(id))) again.push(document);
      else refused.push(document);
    }
    this.sent(accepted);
    if (refused.length > 0) {
      const entry = unprocessed.find((u) => u?.Id === idOf(refused[0]!));
      this.fail(
        refused,
        `unprocessed ${entry?.ErrorCode ?? "(no code)"}`,
        `the API did not process them: ${entry?.ErrorCode ?? "no ErrorCode"} ${entry?.Message ?? ""}`.trim(),
      );
    }
    const unmatched = unprocessed.length - again.length - refused.length;
    if (unmatched > 0)
      this.warnings.once(
        "unmatched",
        `the API reported ${unmatched} unprocessed segment(s) whose Id matches no document sent: counted in unprocessed only`,
      );
    return again;
  }

  /** One call with a deadline. The race also covers a transport that ignores the abort signal. */
  private async call(documents: string[]): Promise<UnprocessedSegment[]> {
    const controller = new AbortController();
    let timer: unknown;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.setTimer(() => {
        this.working.delete(timer);
        const error = Object.assign(new Error(`no answer within ${this.settings.timeoutMs} ms`), { name: "XrayApiTimeout" });
        reject(error);
        controller.abort(error);
      }, this.settings.timeoutMs);
      this.work(timer);
    });
    const answer = Promise.resolve().then(() => this.put(documents, controller.signal));
    answer.catch(() => {}); // its rejection after a timeout (the abort) is already accounted for
    try {
      return await Promise.race([answer, deadline]);
    } finally {
      this.working.delete(timer);
      this.clearTimer(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.setTimer(() => {
        this.working.delete(timer);
        resolve();
      }, ms);
      this.work(timer);
    });
  }

  /** A batch's timer: it holds the process only while a flush() waits. */
  private work(timer: unknown): void {
    this.working.add(timer);
    hold(timer, this.waiters.length > 0);
  }

  private sent(documents: Document[]): void {
    for (const d of documents) {
      this.counts.sent++;
      this.counts.bytes += d.bytes;
      this.release(d);
    }
  }

  private fail(documents: Document[], kind: string, cause: string): void {
    for (const d of documents) {
      this.counts.failed++;
      this.release(d);
    }
    this.warnings.once(
      kind,
      `PutTraceSegments to ${this.where} failed (${kind}: ${cause}): ${documents.length} document(s) counted failed; further failures of this kind are only counted`,
    );
  }

  private release(document: Document): void {
    this.held--;
    this.heldBytes -= document.bytes;
  }

  private settle(through: number): void {
    this.settledThrough = through;
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) w.target <= through ? w.resolve() : still.push(w);
    this.waiters = still;
    if (still.length === 0) for (const timer of this.working) unref(timer);
  }
}

/** The document's `id`, read only when the API reports unprocessed segments (rare: not worth a parse per document). */
function idOf(document: Document): string | undefined {
  try {
    const id = (JSON.parse(document.text) as { id?: unknown })?.id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}
