/**
 * `--forward`: sends valid documents on to X-Ray's PutTraceSegments, in batches of up to 50
 * documents or every second (whichever first), through a bounded queue that drops the oldest when
 * full, with exponential backoff on throttling, 5xx and network errors.
 */

export interface UnprocessedSegment {
  Id?: string | undefined;
  ErrorCode?: string | undefined;
  Message?: string | undefined;
}

/** Sends one batch; resolves with X-Ray's answer, rejects like the AWS SDK does. */
export type SendBatch = (documents: string[]) => Promise<{ UnprocessedTraceSegments?: UnprocessedSegment[] | undefined }>;

export interface ForwardOptions {
  region: string;
  endpoint?: string;
  batchSize?: number;
  intervalMs?: number;
  maxQueue?: number;
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
  queued: number;
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
    send: (documents) => client.send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: documents })),
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
  private readonly s: ForwardStats = { forwarded: 0, failed: 0, droppedQueueFull: 0, unprocessed: 0, batches: 0, retries: 0, queued: 0 };
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly maxQueue: number;
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
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.retryBaseMs = options.retryBaseMs ?? 200;
  }

  stats(): ForwardStats {
    return { ...this.s, queued: this.queue.length - this.head };
  }

  push(document: string): void {
    if (this.queue.length - this.head >= this.maxQueue) {
      this.head++;
      this.s.droppedQueueFull++;
      if (!this.warnedFull) {
        this.warnedFull = true;
        this.log(`forward: queue full (${this.maxQueue} documents): dropping the oldest ones while X-Ray does not keep up`);
      }
    }
    this.queue.push(document);
    this.times.push(Date.now());
    this.pump();
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
    const end = Math.min(this.queue.length, this.head + this.batchSize);
    const batch = this.queue.slice(this.head, end);
    this.head = end;
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
      this.pump();
    }
  }

  private async sendWithRetries(batch: string[]): Promise<void> {
    this.s.batches++;
    for (let attempt = 1; ; attempt++) {
      try {
        const answer = await this.send(batch);
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
        const delay = Math.min(5000, this.retryBaseMs * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
        await sleep(delay);
      }
    }
  }
}
