/**
 * What every UDP transport shares: the counters, the pending sends `flush()` waits for, and
 * warnings said once per kind of failure. Nothing here throws.
 */
import type { Emitter } from "../../core/emitter.ts";

export interface UdpStats {
  /** Datagrams whose send completed. */
  sent: number;
  /** Datagrams that could not be sent (no listener, too large, socket closed, ...). */
  failed: number;
  /** Bytes of the datagrams sent. */
  bytes: number;
}

export interface UdpEmitter extends Emitter {
  stats(): UdpStats;
  /** Closes the socket; later sends are counted as failed. */
  close(): void;
}

export class Accounting {
  readonly stats: UdpStats = { sent: 0, failed: 0, bytes: 0 };
  private pending = 0;
  private waiters: (() => void)[] = [];
  private readonly said = new Set<string>();

  begin(): void {
    this.pending++;
  }

  /** A send finished: `bytes` sent, or failed with `error`. */
  done(bytes: number, error?: unknown): void {
    if (error === undefined || error === null) {
      this.stats.sent++;
      this.stats.bytes += bytes;
    } else this.fail(error);
    if (--this.pending === 0) this.release();
  }

  /** Work that is not a datagram but that flush() must wait for (opening a socket). */
  track(work: Promise<unknown>): void {
    this.pending++;
    const settle = () => {
      if (--this.pending === 0) this.release();
    };
    work.then(settle, settle);
  }

  /** A datagram failed before it was handed to the socket. */
  fail(error: unknown): void {
    this.stats.failed++;
    const code = (error as { code?: string })?.code ?? (error as Error)?.message ?? String(error);
    if (this.said.has(code)) return;
    this.said.add(code);
    try {
      console.warn(`[xray-edge] UDP send to the X-Ray daemon failed (${code}); further failures of this kind are only counted`);
    } catch {
      // nothing to do: tracing never breaks the program
    }
  }

  flush(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** What differs per runtime: handing one datagram to a socket (counted through the accounting), closing. */
export interface Transport {
  send(datagram: Uint8Array): void;
  close(): void;
}

export const socketClosed = (): Error => Object.assign(new Error("socket closed"), { code: "ERR_SOCKET_CLOSED" });

/** The UdpEmitter over a transport: refuses after close, never throws, counts, flushes. */
export function udpEmitter(accounting: Accounting, transport: Transport): UdpEmitter {
  let closed = false;
  return {
    send(datagram) {
      if (closed) return accounting.fail(socketClosed());
      try {
        transport.send(datagram);
      } catch (error) {
        accounting.fail(error);
      }
    },
    flush: () => accounting.flush(),
    stats: () => ({ ...accounting.stats }),
    close() {
      closed = true;
      try {
        transport.close();
      } catch {
        // already closed
      }
    },
  };
}
