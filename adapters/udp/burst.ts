/**
 * Sends in bursts: the first datagram of a turn (a synchronous run of code, up to its microtasks)
 * goes to the kernel at once, as before; the ones after it in the same turn wait for the turn's
 * end, or until BURST_DATAGRAMS or BURST_BYTES wait, and then go back to back.
 *
 * Why: on loopback the kernel does the listener's work in the sender's send() (delivery, waking
 * the reader), and a reader woken for each datagram costs far more than one woken for a run of
 * them. Measured on Node 20 (2 cores, loaded; CPU time per 700-byte datagram, /tmp scratch
 * spaced.mjs and udpmicro.mjs in the session that chose this): 17-22 µs for a send between other
 * work, 5 µs for sends back to back. A trace's segments close between their own work, so sending
 * each at its close paid the first figure: a loop of bench/workload.mjs's segments through
 * createUdpEmitter took 48-50 µs of CPU a segment, 32-34 µs batched (with core/reclaim.ts). Its
 * wall time, in a flood, is the pacing's (pace.ts), which this leaves as it was.
 *
 * What it keeps: a lone datagram (a Lambda invocation's one document) leaves as it did, inside its
 * close; waiting is bounded (64 datagrams or 64 kB, then they go at once); order is kept; each
 * waiting datagram is already held in its flush() batch by the caller; and `now()` sends whatever
 * waits, for a socket's close and for process exit, where no microtask runs any more.
 */

/** At most this many datagrams, or bytes, wait for the end of the turn. */
export const BURST_DATAGRAMS = 64;
export const BURST_BYTES = 65_536;

export interface Burst<T> {
  /** Sends `item` now, or when the turn ends. */
  add(item: T, bytes: number): void;
  /** Sends every waiting item now. */
  now(): void;
}

export function burst<T>(send: (item: T) => void): Burst<T> {
  let waiting: T[] = [];
  let waitingBytes = 0;
  let inTurn = false;
  const now = () => {
    if (waiting.length === 0) return;
    const out = waiting;
    waiting = [];
    waitingBytes = 0;
    for (const item of out) send(item);
  };
  const endTurn = () => {
    inTurn = false;
    now();
  };
  return {
    add(item, bytes) {
      if (!inTurn) {
        inTurn = true;
        queueMicrotask(endTurn);
        return send(item);
      }
      waiting.push(item);
      waitingBytes += bytes;
      if (waiting.length >= BURST_DATAGRAMS || waitingBytes >= BURST_BYTES) now();
    },
    now,
  };
}
