/**
 * The UdpEmitter over any runtime's socket: opens it on the first send (resolving a host name
 * first), holds datagrams in a bounded queue while it opens, fails them all when it cannot open,
 * and tries again after a backoff (resolve.ts). Once open, a send is one property check, the
 * pacing's check (pace.ts: a clock read and a few additions) and the transport's write.
 */
import type { DaemonEndpoint } from "./address.ts";
import type { Accounting, Batch } from "./accounting.ts";
import { socketClosed, type UdpEmitter } from "./accounting.ts";
import { type PacedLink, pace } from "./pace.ts";
import { isIp, retryDelayMs, type Resolve, resolveName, toIp, unref } from "./resolve.ts";
import { monotonicMs } from "../host/monotonic.ts";

/** An open socket. `write` counts the datagram (sent or failed) through the accounting, never throws. */
export interface Link {
  write(datagram: Uint8Array): void;
  close(): void;
}

/** Opens a socket to an IP endpoint; throws or rejects, with the cause, when it cannot. */
export type Open = (to: DaemonEndpoint) => Link | Promise<Link>;

/** Bounds of each queue: the one waiting for the socket, and the one pacing a burst (pace.ts). */
export interface QueueLimits {
  /** At most this many datagrams wait (default 8,192). */
  datagrams?: number;
  /** At most this many bytes wait (default 16 MiB). */
  bytes?: number;
}

/** Seams for tests: a resolver, a clock, the deadline for opening, the pacing's clock (ms). */
export interface LinkHooks {
  resolve?: Resolve;
  now?: () => number;
  openTimeoutMs?: number;
  paceNow?: () => number;
}

/**
 * Opening (the lookup, then the socket) that has not finished after this long fails (ETIMEOUT):
 * getaddrinfo's own timeouts (5 s a try, two tries a server), or a runtime's socket promise that
 * never settles, would otherwise hold every datagram, and flush(), as long. A socket that opens
 * late is closed; the retry after the backoff starts over.
 */
export const OPEN_TIMEOUT_MS = 2000;

const queueFull = (limits: Required<QueueLimits>): Error =>
  Object.assign(new Error(`the queue waiting for the socket is full (${limits.datagrams} datagrams or ${limits.bytes} bytes)`), {
    code: "XRAY_QUEUE_FULL",
  });

export function linkEmitter(
  to: DaemonEndpoint,
  accounting: Accounting,
  open: Open,
  queueLimits: QueueLimits = {},
  hooks: LinkHooks = {},
): UdpEmitter {
  // Large enough that a flood of small traces beyond the pacing rate slows down rather than
  // failing (bench/udp.mjs's 7,000 datagrams on Bun and Deno overflowed 2,048), and bounded.
  const limits = { datagrams: queueLimits.datagrams ?? 8192, bytes: queueLimits.bytes ?? 16 * 1024 * 1024 };
  const resolve = hooks.resolve ?? resolveName;
  const now = hooks.now ?? Date.now;
  const paceNow = hooks.paceNow ?? monotonicMs();
  let link: PacedLink | undefined;
  let opening = false;
  let closed = false;
  let queue: Uint8Array[] = [];
  let batches: Batch[] = []; // each queued datagram's, for flush()
  let queuedBytes = 0;
  let failures = 0;
  let lastError: unknown;
  let retryAt = 0;
  let flushWaits = false; // a flush() came while the socket opened: the paced tail must not be unref'd

  const drain = (each: (datagram: Uint8Array) => void) => {
    const waiting = queue;
    const held = batches;
    queue = [];
    batches = [];
    queuedBytes = 0;
    for (let i = 0; i < waiting.length; i++) {
      const batch = held[i]!;
      accounting.within(batch, () => each(waiting[i]!));
      accounting.release(batch);
    }
  };
  const up = (l: Link) => {
    opening = false;
    failures = 0;
    lastError = undefined;
    if (closed) {
      closeQuietly(l);
      return drain(() => accounting.failed(socketClosed()));
    }
    const paced = pace(l, accounting, limits, paceNow);
    link = paced;
    drain((datagram) => paced.write(datagram));
    if (flushWaits) paced.flushing();
    flushWaits = false;
  };
  const down = (error: unknown) => {
    opening = false;
    lastError = error ?? new Error("the socket could not be opened");
    retryAt = now() + retryDelayMs(++failures);
    drain(() => accounting.failed(lastError));
  };
  const connect = () => {
    opening = true;
    let result: Link | Promise<Link>;
    try {
      // A literal IP opens at once where the runtime can (Deno's FFI): no queue, no turn of the loop.
      result = isIp(to.host) ? open(to) : toIp(to, resolve).then(open);
    } catch (error) {
      return down(error);
    }
    if (!(result instanceof Promise)) return up(result);
    const ms = hooks.openTimeoutMs ?? OPEN_TIMEOUT_MS;
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      down(Object.assign(new Error(`opening the socket took over ${ms} ms`), { code: "ETIMEOUT" }));
    }, ms);
    unref(timer);
    result.then(
      (l) => {
        if (late) return closeQuietly(l);
        clearTimeout(timer);
        up(l);
      },
      (error) => {
        if (late) return;
        clearTimeout(timer);
        down(error);
      },
    );
  };
  const slow = (datagram: Uint8Array) => {
    if (closed) return accounting.failed(socketClosed());
    if (!opening) {
      if (lastError !== undefined && now() < retryAt) return accounting.failed(lastError);
      connect();
      if (link) return link.write(datagram);
      if (!opening) return accounting.failed(lastError); // could not open, synchronously
    }
    if (queue.length >= limits.datagrams || queuedBytes + datagram.length > limits.bytes) return accounting.failed(queueFull(limits));
    queue.push(datagram.slice()); // the view is only valid during send
    queuedBytes += datagram.length;
    batches.push(accounting.hold());
  };

  return {
    send(datagram) {
      try {
        if (link !== undefined) link.write(datagram);
        else slow(datagram);
      } catch (error) {
        accounting.failed(error); // a transport bug must not reach user code
      }
    },
    flush() {
      if (link) link.flushing();
      else if (queue.length > 0) flushWaits = true;
      return accounting.flush();
    },
    stats: () => ({ ...accounting.stats }),
    close() {
      if (closed) return;
      closed = true;
      if (link) closeQuietly(link);
      link = undefined;
      drain(() => accounting.failed(socketClosed()));
    },
  };
}

function closeQuietly(link: Link): void {
  try {
    link.close();
  } catch {
    // already closed
  }
}
