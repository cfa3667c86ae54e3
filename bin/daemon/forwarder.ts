/**
 * `--forward`: sends valid documents on to X-Ray's PutTraceSegments, in batches of up to 50
 * documents or every second (whichever first), through a queue bounded in documents and in bytes
 * that drops the oldest when full. Each request times out after `requestTimeoutMs` (aborted);
 * throttling, 5xx, network errors and timeouts are retried with exponential backoff, up to
 * `maxAttempts` attempts in all, then the batch is counted as failed.
 */

export interface UnprocessedSegment {
  Id?: string | undefined;
  ErrorCode?: string | undefined;
  Message?: string | undefined;
}

/** Sends one batch; resolves with X-Ray's answer, rejects like the AWS SDK does; gives up when `signal` aborts. */
export type SendBatch = (
  documents: string[],
  signal: AbortSignal,
) => Promise<{ UnprocessedTraceSegments?: UnprocessedSegment[] | undefined }>;

export interface ForwardOptions {
  region: string;
  endpoint?: string;
  batchSize?: number;
  intervalMs?: number;
  maxQueue?: number;
  /** The budget for the documents queued and in flight (2 bytes a character, plus 64 each). */
  maxQueueBytes?: number;
  /** One request's time limit; then it is aborted and counts as a retryable failure. */
  requestTimeoutMs?: number;
  maxAttempts?: number;
  retryBaseMs?: number;
  /** How long stop() waits for the queue to drain. */
  drainMs?: number;
}

export interface ForwardStats {
  forwarded: number;
  failed: number;
  droppedQueueFull: number;
  unprocessed: number;
  batches: number;
  retries: number;
  /** Requests that did not answer within requestTimeoutMs. */
  timeouts: number;
  queued: number;
  /** Estimated bytes of the documents queued and in flight. */
  heldBytes: number;
}

export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_RETRY_BASE_MS = 200;
const MAX_BACKOFF_MS = 5000;
const documentBytes = (text: string): number => 64 + 2 * text.length;

/** The error a request that ran out of time rejects with (retryable: it carries no HTTP status). */
export class RequestTimeout extends Error {
  override name = "TimeoutError";
}

/** The real sender: @aws-sdk/client-xray, loaded only when forwarding. The SDK's own retries are off. */
export async function xraySender(region: string, endpoint?: string): Promise<{ send: SendBatch; destroy(): void }> {
  let sdk: typeof import("@aws-sdk/client-xray");
  try {
    sdk = await import("@aws-sdk/client-xray");
  } catch (err) {
    throw new Error(`--forward needs the package @aws-sdk/client-xray (npm install @aws-sdk/client-xray): ${describeError(err)}`);
  }
  const { XRayClient, PutTraceSegmentsCommand } = sdk;
  const client = new XRayClient(endpoint === undefined ? { region, maxAttempts: 1 } : { region, endpoint, maxAttempts: 1 });
  return {
    send: (documents, signal) => client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: documents }), { abortSignal: signal }),
    destroy: () => client.destroy(),
  };
}

export function isRetryable(err: unknown): boolean {
  const e = (typeof err === "object" && err !== null ? err : {}) as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const name = typeof e.name === "string" ? e.name : "";
  if (/thrott|toomanyrequests/i.test(name)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === "number") return status === 429 || status >= 500;
  if (name === "CredentialsProviderError" || name === "InvalidSignatureException") return false;
  return true; // no HTTP answer at all: a network error or a timeout
}

export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const status = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata?.httpStatusCode;
  return `${err.name}${typeof status === "number" ? ` (HTTP ${status})` : ""}: ${err.message}`;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref?.());

export class Forwarder {
  private queue: string[] = [];
  private times: number[] = [];
  private head = 0;
  private inFlight = false;
  private draining = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private idle: Array<() => void> = [];
  private warnedFull = false;
  private readonly s = { forwarded: 0, failed: 0, droppedQueueFull: 0, unprocessed: 0, batches: 0, retries: 0, timeouts: 0 };
  private queuedBytes = 0;
  private inFlightBytes = 0;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly maxQueue: number;
  private readonly maxQueueBytes: number;
  private readonly requestTimeoutMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;

  constructor(
    options: ForwardOptions,
    private readonly send: SendBatch,
    private readonly log: (line: string) => void,
  ) {
    this.batchSize = Math.min(50, Math.max(1, options.batchSize ?? 50));
    this.intervalMs = options.intervalMs ?? 1000;
    this.maxQueue = Math.max(1, options.maxQueue ?? 10_000);
    this.maxQueueBytes = Math.max(1, options.maxQueueBytes ?? 16 * 1024 * 1024);
    this.requestTimeoutMs = Math.max(1, options.requestTimeoutMs ?? 5000);
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.retryBaseMs = options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS;
  }

  stats(): ForwardStats {
    return { ...this.s, queued: this.queue.length - this.head, heldBytes: this.queuedBytes + this.inFlightBytes };
  }

  push(document: string): void {
    const bytes = documentBytes(document);
    while (
      this.queue.length > this.head &&
      (this.queue.length - this.head >= this.maxQueue || this.queuedBytes + this.inFlightBytes + bytes > this.maxQueueBytes)
    ) {
      this.take();
      this.s.droppedQueueFull++;
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.log(
          `forward: queue full (${this.maxQueue} documents or ${this.maxQueueBytes} bytes): dropping the oldest ones while X-Ray does not keep up`,
        );
      }
    }
    this.queue.push(document);
    this.times.push(Date.now());
    this.queuedBytes += bytes;
    this.pump();
  }

  /** Removes the oldest queued document, letting go of its text at once (the array is compacted later). */
  private take(): string {
    const document = this.queue[this.head] ?? "";
    this.queue[this.head] = "";
    this.head++;
    this.queuedBytes -= documentBytes(document);
    return document;
  }

  /** Sends what is queued and resolves when nothing is left or in flight (or after `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    const done = new Promise<void>((resolve) => {
      this.idle.push(resolve);
      this.pump();
    });
    let timeout: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timeout = setTimeout(resolve, timeoutMs)))]);
    if (timeout) clearTimeout(timeout);
    if (this.timer) clearTimeout(this.timer);
    const left = this.queue.length - this.head;
    if (left > 0 || this.inFlight) this.log(`forward: stopped with ${left} documents not sent`);
  }

  private pump(): void {
    if (this.inFlight) return;
    const pending = this.queue.length - this.head;
    if (pending === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      for (const resolve of this.idle.splice(0)) resolve();
      return;
    }
    const wait = (this.times[this.head] ?? 0) + this.intervalMs - Date.now();
    if (pending >= this.batchSize || this.draining || wait <= 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      void this.sendNext();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.pump();
      }, wait);
      this.timer.unref?.();
    }
  }

  private async sendNext(): Promise<void> {
    this.inFlight = true;
    const batch: string[] = [];
    while (batch.length < this.batchSize && this.head < this.queue.length) batch.push(this.take());
    const batchBytes = batch.reduce((n, d) => n + documentBytes(d), 0);
    this.inFlightBytes = batchBytes;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    try {
      await this.sendWithRetries(batch);
    } catch (err) {
      this.s.failed += batch.length;
      this.log(`forward: ${describeError(err)}`);
    } finally {
      this.inFlight = false;
      this.inFlightBytes = 0;
      this.pump();
    }
  }

  private async sendWithRetries(batch: string[]): Promise<void> {
    this.s.batches++;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.attempt(batch);
        const unprocessed = Array.isArray(answer?.UnprocessedTraceSegments) ? answer.UnprocessedTraceSegments : [];
        for (const u of unprocessed) {
          this.log(`forward: X-Ray did not process segment ${u?.Id ?? "?"}: ${u?.ErrorCode ?? "?"}${u?.Message ? ` ${u.Message}` : ""}`);
        }
        this.s.unprocessed += unprocessed.length;
        this.s.forwarded += Math.max(0, batch.length - unprocessed.length);
        return;
      } catch (err) {
        if (attempt >= this.maxAttempts || !isRetryable(err)) {
          this.s.failed += batch.length;
          this.log(
            `forward: giving up on ${batch.length} documents after ${attempt} attempt${attempt === 1 ? "" : "s"}: ${describeError(err)}`,
          );
          return;
        }
        this.s.retries++;
        // Jitter (50-100% of the step) keeps several daemons from retrying in step.
        const delay = Math.min(MAX_BACKOFF_MS, this.retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        await sleep(delay);
      }
    }
  }

  /** One request, aborted and rejected with RequestTimeout after requestTimeoutMs, whether or not the sender heeds the signal. */
  private async attempt(batch: string[]): Promise<Awaited<ReturnType<SendBatch>>> {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.s.timeouts++;
        const error = new RequestTimeout(`no answer within ${this.requestTimeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, this.requestTimeoutMs);
    });
    try {
      return await Promise.race([this.send(batch, controller.signal), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
