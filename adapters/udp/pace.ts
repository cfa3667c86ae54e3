/**
 * Pacing: a large trace reaches the emitter as one synchronous burst of datagrams (up to 64 KB
 * each), and AWS's daemon reads from a socket whose receive buffer it never raises (Linux's
 * default, 212,992 bytes). What the buffer cannot hold is dropped by the kernel, uncounted by the
 * sender: on main, a 1 MB trace lost about 30 of 80 subsegments on Bun. UDP gives no feedback, so
 * the bytes in flight are modelled: each datagram sent adds what the kernel charges for it
 * (`truesize`) to a level that drains as a daemon reading at a conservative rate would drain it.
 * A datagram that fits under the budget is written at once, synchronously, with no copy and no
 * timer (every small trace: one clock read and a few additions). One that does not is copied into
 * a bounded queue and written by a timer when the modelled level has drained enough for it.
 */
import type { Accounting, Batch } from "./accounting.ts";
import { socketClosed } from "./accounting.ts";
import type { Link, QueueLimits } from "./link.ts";

/**
 * Linux's default receive buffer (net.core.rmem_default), which AWS's daemon keeps, and the budget:
 * what the largest datagram is charged (65,507 bytes: 66,531 here), so that any one datagram, and
 * every small trace, leaves at once. The rest of the buffer (146 kB) is the margin for a reader that
 * stalls: with half the buffer as the budget, 3 of 48 runs of test/udp/pacing.test.ts lost a
 * datagram or two on this machine (2 cores, load 2.5-3), with this budget none of 48.
 */
export const RECEIVE_BUFFER_BYTES = 212_992;
export const BUDGET_BYTES = 66_560;

/**
 * The drain rate assumed, in payload bytes per millisecond (32 MB/s). Measured here with
 * bench/udp-pacing.mjs (a Node listener parsing each datagram as JSON, Linux 6.18, 2 cores): 48,600
 * datagrams of 1 kB a second (49 MB/s), 31,700 of 12 kB (380 MB/s), 8,100 of 64 kB (528 MB/s).
 * 32 MB/s is a twelfth to a sixteenth of the rate for the datagrams a split trace is made of
 * (12-64 kB); what limits it is a reader that stalls (the kernel drops once 212,992 bytes wait):
 * at 48 MB/s, 7 of 24 runs lost datagrams under load 4-5, at 16 MB/s none of 60. It is also a cap
 * on any sustained flow: bench/udp.mjs's flood of small traces (873 bytes each, 5,000 in one loop)
 * passes it on Bun and Deno and is paced there, its tail beyond the queue's bounds counted failed.
 */
export const DRAIN_BYTES_PER_MS = 32_000;

/**
 * What the kernel charges a datagram of `n` bytes against the receive buffer (skb truesize),
 * measured on loopback (Linux 6.18, x86_64) by reading rx_queue in /proc/net/udp: up to 16,000
 * bytes the data is one allocation rounded up to a power of two (7,800 bytes cost 8,448, 7,850 cost
 * 16,640; 190 cost 832, 873 cost 2,304), beyond it the payload plus 832 (16,100 cost 16,932; 65,507
 * cost 66,339). Rounded up here: 384 bytes of headers before the rounding, 320 and 1,024 after.
 * So 3 datagrams of 64 KB fit in 212,992 bytes, 12 of 12 KB, 92 of 873 bytes, 256 of 100 bytes.
 */
export function truesize(n: number): number {
  return n <= 16_000 ? 2 ** (32 - Math.clz32(n + 383)) + 320 : n + 1024;
}

export interface PacedLink extends Link {
  /** A flush() waits: keep the process alive until the datagrams queued so far have been written. */
  flushing(): void;
}

const queueFull = (limits: Required<QueueLimits>): Error =>
  Object.assign(new Error(`the queue pacing a burst to the daemon is full (${limits.datagrams} datagrams or ${limits.bytes} bytes)`), {
    code: "XRAY_PACING_QUEUE_FULL",
  });

/** Node's and Bun's timers have ref()/unref(), Deno's is a number. Never throws. */
function keepAlive(timer: unknown, alive: boolean): void {
  try {
    const t = timer as { ref?(): void; unref?(): void };
    if (typeof t.unref === "function") alive ? t.ref!() : t.unref();
    else {
      const deno = (globalThis as { Deno?: { refTimer?(id: number): void; unrefTimer?(id: number): void } }).Deno;
      (alive ? deno?.refTimer : deno?.unrefTimer)?.(timer as number);
    }
  } catch {
    // a referenced timer only delays the exit by the queue's drain time
  }
}

export function pace(inner: Link, accounting: Accounting, limits: Required<QueueLimits>, now: () => number): PacedLink {
  let level = 0; // modelled bytes in the daemon's buffer, as the kernel charges them
  let pending = 0; // the same datagrams' payload bytes, which the modelled reader drains
  let last = now();
  let queue: Uint8Array[] = [];
  let batches: Batch[] = [];
  let head = 0;
  let queuedBytes = 0;
  let written = 0; // datagrams taken off the queue, ever
  let keepUntil = 0; // ... that flush() waits for: the timer is referenced until then
  let timer: unknown;
  let closed = false;

  const drain = (t: number) => {
    const gone = (t - last) * DRAIN_BYTES_PER_MS;
    last = t;
    if (gone >= pending) level = pending = 0;
    else if (gone > 0) {
      level -= (level * gone) / pending; // the mix in flight drains in proportion
      pending -= gone;
    }
  };
  const schedule = () => {
    if (timer !== undefined || head === queue.length) return;
    const room = BUDGET_BYTES - truesize(queue[head]!.length);
    // Payload to drain until the level leaves room for the next datagram.
    const wait = level <= room ? 0 : pending * (1 - room / level);
    timer = setTimeout(tick, Math.max(1, Math.ceil(wait / DRAIN_BYTES_PER_MS)));
    keepAlive(timer, written < keepUntil);
  };
  const tick = () => {
    timer = undefined;
    drain(now());
    while (head < queue.length) {
      const datagram = queue[head]!;
      const cost = truesize(datagram.length);
      if (level + cost > BUDGET_BYTES && level > 0) break;
      const batch = batches[head]!;
      level += cost;
      pending += datagram.length;
      queuedBytes -= datagram.length;
      head++;
      written++;
      try {
        accounting.within(batch, () => inner.write(datagram));
      } catch (error) {
        accounting.failed(error);
      }
      accounting.release(batch);
    }
    if (head === queue.length) {
      queue = [];
      batches = [];
      head = 0;
    } else schedule();
  };

  return {
    write(datagram) {
      if (head === queue.length) {
        drain(now());
        const cost = truesize(datagram.length);
        if (level + cost <= BUDGET_BYTES) {
          level += cost;
          pending += datagram.length;
          return inner.write(datagram);
        }
      }
      if (closed) return accounting.failed(socketClosed());
      if (queue.length - head >= limits.datagrams || queuedBytes + datagram.length > limits.bytes)
        return accounting.failed(queueFull(limits));
      queue.push(datagram.slice()); // written later: the view is only valid during send
      batches.push(accounting.hold());
      queuedBytes += datagram.length;
      schedule();
    },
    flushing() {
      if (head === queue.length) return;
      keepUntil = written + queue.length - head;
      keepAlive(timer, true);
    },
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
      timer = undefined;
      const waiting = batches.slice(head);
      queue = [];
      batches = [];
      head = 0;
      queuedBytes = 0;
      for (const batch of waiting) {
        accounting.within(batch, () => accounting.failed(socketClosed()));
        accounting.release(batch);
      }
      inner.close();
    },
  };
}
