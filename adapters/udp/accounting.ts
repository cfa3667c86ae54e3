/**
 * What every UDP transport shares: the counters, the sends `flush()` waits for, and warnings said
 * once per kind of failure through the emitter's logger. Nothing here throws.
 *
 * The rule the counters keep: every datagram handed to `send` ends in exactly one of `sent` (the
 * kernel took it) or `failed` (it was not handed to the kernel: no socket, queue full, the send
 * returned an error), counted once, never moved. A refusal the kernel reports afterwards (ICMP
 * port unreachable, seen as ECONNREFUSED on a later send or read) concerns a datagram already
 * counted as sent: it goes to `refusedLater`, apart.
 */
import type { Emitter } from "../../core/emitter.ts";
import { type Logger, Warnings } from "../../core/log.ts";

export interface UdpStats {
  /** Datagrams the kernel accepted. */
  sent: number;
  /** Datagrams that never reached the kernel (no socket, name not resolved, queue full, send error, closed). */
  failed: number;
  /** Bytes of the datagrams sent. */
  bytes: number;
  /** Refusals reported after the fact for datagrams already counted in `sent` (ECONNREFUSED). */
  refusedLater: number;
}

export interface UdpEmitter extends Emitter {
  stats(): UdpStats;
  /** Closes the socket; datagrams still waiting for it and later sends are counted as failed. */
  close(): void;
}

/** `code: message`, whatever shape the runtime's error has; never "undefined". */
export function describe(error: unknown): string {
  if (error === undefined || error === null) return "the runtime gave no error";
  const { code, message } = error as { code?: unknown; message?: unknown };
  const text = typeof message === "string" && message !== "" ? message : String(error);
  if (typeof code === "string" && code !== "" && !text.includes(code)) return `${code}: ${text}`;
  return text;
}

const kindOf = (error: unknown): string => {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : describe(error);
};

export const REFUSED = "ECONNREFUSED";

/**
 * Datagrams handed over between two flush() calls that are still in flight. flush() seals the
 * current batch and waits for it and the batches sealed before: sends handed over after flush()
 * (another invocation's, under Lambda's concurrency) never hold it back.
 */
export class Batch {
  pending = 0;
  done: (() => void) | undefined;
}

export class Accounting {
  readonly stats: UdpStats = { sent: 0, failed: 0, bytes: 0, refusedLater: 0 };
  private batch = new Batch();
  /** Sealed batches not yet done, and the promise of all of them. */
  private open = 0;
  private sealed: Promise<void> = Promise.resolve();
  private readonly warnings: Warnings;

  /** `address` is the daemon as configured (`host:port`), for the warnings. */
  constructor(
    logger: Logger,
    readonly address: string,
  ) {
    this.warnings = new Warnings(logger);
  }

  /** A datagram in flight, that flush() must wait for; give the batch back to release(). */
  hold(): Batch {
    const batch = this.batch;
    batch.pending++;
    return batch;
  }

  release(batch: Batch): void {
    if (--batch.pending === 0 && batch.done !== undefined) batch.done();
  }

  sent(bytes: number): void {
    this.stats.sent++;
    this.stats.bytes += bytes;
  }

  /** One datagram that never reached the kernel. */
  failed(error: unknown): void {
    this.stats.failed++;
    this.warnings.once(
      kindOf(error),
      `UDP send to the X-Ray daemon at ${this.address} failed (${describe(error)}); further failures of this kind are only counted`,
    );
  }

  /** A refusal for a datagram already counted as sent. */
  refusedLater(error: unknown): void {
    this.stats.refusedLater++;
    this.warnings.once(
      `later ${kindOf(error)}`,
      `the X-Ray daemon at ${this.address} refused datagrams already sent (${describe(error)}): is it running? Counted in refusedLater, further refusals only counted`,
    );
  }

  /** An error of the socket that concerns no datagram (not a refusal): said once, nothing to count. */
  socketError(error: unknown): void {
    this.warnings.once(`socket ${kindOf(error)}`, `the UDP socket to the X-Ray daemon at ${this.address} reported ${describe(error)}`);
  }

  /** Runs `send` with `batch` current: a queued datagram's send joins the batch it was handed in. */
  within(batch: Batch, send: () => void): void {
    const current = this.batch;
    this.batch = batch;
    try {
      send();
    } finally {
      this.batch = current;
    }
  }

  flush(): Promise<void> {
    const batch = this.batch;
    if (batch.pending > 0 && batch.done === undefined) {
      this.batch = new Batch();
      this.open++;
      const done = new Promise<void>(
        (resolve) =>
          (batch.done = () => {
            this.open--;
            resolve();
          }),
      );
      const before = this.sealed;
      this.sealed = before.then(() => done);
    } else if (this.open === 0) return Promise.resolve();
    return this.sealed;
  }
}

/** A send's error: the datagram failed; a refusal in it also reports an earlier datagram's fate. */
export function sendFailed(accounting: Accounting, error: unknown, refusalIsNews: boolean): void {
  accounting.failed(error);
  if (refusalIsNews && (error as { code?: unknown } | null)?.code === REFUSED) accounting.refusedLater(error);
}

export const socketClosed = (): Error => Object.assign(new Error("socket closed"), { code: "ERR_SOCKET_CLOSED" });
