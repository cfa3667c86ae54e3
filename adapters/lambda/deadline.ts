/**
 * Lambda kills a timed-out invocation at its deadline, with whatever it has not sent. The
 * `## handler` subsegment goes out when the handler ends, and the subsegments that closed inside
 * it wait in it: killed first, they would be lost. So `margin` ms before the deadline (the
 * context's getRemainingTimeInMillis) the invocation sends the handler's subsegment in progress,
 * with every subsegment closed so far, and flushes the emitter.
 *
 * One timer serves every invocation of the thread, set for the earliest deadline armed: a new
 * timer each invocation (each with its own delay, so a new list of Node's timers each time) cost
 * more than the rest of arming. Invocations run one after another have ever later deadlines, so a
 * handler that returns in time only adds and removes itself from a set; the timer fires once per
 * function timeout, finds what is still armed, and is set again for the earliest of those.
 */
import { monotonicMs } from "../host/monotonic.ts";

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

/** Armed invocations: when each is due (ms of `now`), and what it calls then. */
interface Armed {
  due: number;
  fire: () => void;
}

const armed = new Set<Armed>();
let timer: unknown;
/** When the timer is set to fire (ms of `now`); Infinity when none is set. */
let timerDue = Number.POSITIVE_INFINITY;
/** A timer may fire up to a millisecond before its delay by `now`'s reading: due then counts as due. */
const EARLY_MS = 1;

/** A monotonic clock in ms (a wall clock set back would delay a deadline); on Node it loads no perf_hooks. */
const now = monotonicMs();

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
  const entry: Armed = { due: now() + delay, fire };
  armed.add(entry);
  if (entry.due < timerDue) schedule(entry.due);
  // The timer stays set: it fires later, finds nothing due, and is set again only if one is armed.
  return () => void armed.delete(entry);
}

/** Sets the one timer for `due`, replacing one set for later. */
function schedule(due: number): void {
  try {
    if (timer !== undefined) clearTimeout(timer as Parameters<typeof clearTimeout>[0]);
    const t: unknown = setTimeout(onTimer, Math.max(0, due - now()));
    timer = t;
    timerDue = due;
    if (typeof (t as Unrefable).unref === "function") (t as Unrefable).unref!();
    else if (typeof t === "number") Deno?.unrefTimer?.(t);
  } catch {
    // a runtime without timers (or without unref: cleared when nothing is armed anyway)
  }
}

/** Fires what is due, then sets the timer for the earliest still armed. */
function onTimer(): void {
  timer = undefined;
  timerDue = Number.POSITIVE_INFINITY;
  const t = now() + EARLY_MS;
  let next = Number.POSITIVE_INFINITY;
  for (const entry of [...armed]) {
    if (entry.due > t) {
      next = Math.min(next, entry.due);
      continue;
    }
    armed.delete(entry);
    try {
      entry.fire();
    } catch {
      // tracing never throws, least of all from a timer, where it would crash the process
    }
  }
  if (next !== Number.POSITIVE_INFINITY) schedule(next);
}

/** The option's value, checked at init: a finite number of ms, at least 0. */
export function checkMargin(value: unknown): number {
  if (value === undefined) return DEFAULT_DEADLINE_MARGIN_MS;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
    throw new TypeError(`traceHandler: deadlineMarginMs must be a finite number of milliseconds, at least 0; got ${String(value)}`);
  return value;
}
