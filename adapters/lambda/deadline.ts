/**
 * Lambda kills a timed-out invocation at its deadline, with whatever it has not sent. The
 * `## handler` subsegment goes out when the handler ends, and the subsegments that closed inside
 * it wait in it: killed first, they would be lost. So `margin` ms before the deadline (the
 * context's getRemainingTimeInMillis) the invocation sends the handler's subsegment in progress,
 * with every subsegment closed so far, and flushes the emitter. A handler that returns in time
 * only arms and clears one timer.
 */

/**
 * How long before the deadline the in-progress trace is sent. From the timer's due time to the
 * datagrams handed to the kernel took at most 33 ms with 3 CPU burners on the 2-core development
 * machine, 137 ms with 6 (`node bench/deadline.mjs --load=N`, README "Lambda timeouts").
 */
export const DEFAULT_DEADLINE_MARGIN_MS = 250;

/** setTimeout's largest delay; a longer one fires at once on Node. */
const MAX_DELAY_MS = 2 ** 31 - 1;

type Context = { getRemainingTimeInMillis?: () => unknown } | null | undefined;
type Unrefable = { unref?: () => void };
const Deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;

/** The context's remaining time in ms, or undefined when it has none (or its getter throws). */
function remaining(context: unknown): number | undefined {
  try {
    const get = (context as Context)?.getRemainingTimeInMillis;
    if (typeof get !== "function") return undefined;
    const ms = get.call(context);
    return typeof ms === "number" && Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls `fire` `marginMs` before the context's deadline (at once when it is nearer than that).
 * The timer never keeps the process alive. Returns what disarms it; nothing is armed without a
 * deadline.
 */
export function armDeadline(context: unknown, marginMs: number, fire: () => void): () => void {
  const left = remaining(context);
  if (left === undefined) return () => {};
  const delay = Math.max(0, left - marginMs);
  if (delay > MAX_DELAY_MS) return () => {};
  const timer = setTimeout(() => {
    try {
      fire();
    } catch {
      // tracing never throws, least of all from a timer, where it would crash the process
    }
  }, delay);
  try {
    if (typeof (timer as Unrefable).unref === "function") (timer as Unrefable).unref!();
    else if (typeof timer === "number") Deno?.unrefTimer?.(timer);
  } catch {
    // a runtime without unref: the timer is cleared when the handler ends anyway
  }
  return () => clearTimeout(timer);
}

/** The option's value, checked at init: a finite number of ms, at least 0. */
export function checkMargin(value: unknown): number {
  if (value === undefined) return DEFAULT_DEADLINE_MARGIN_MS;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new TypeError(`traceHandler: deadlineMarginMs must be a finite number of milliseconds, at least 0; got ${String(value)}`);
  return value;
}
