/**
 * Which handles are registered for reclaiming. A handle collected unclosed has its node (and its
 * subtree) freed by the core's FinalizationRegistry (xray.ts); registering a handle, then
 * unregistering it at its close, cost about 1 µs of CPU a handle on Node 20 here (2 loaded cores,
 * /tmp scratch fr.mjs in the session that chose this), 5 handles a traced Lambda invocation, 4 a
 * segment with 3 subsegments. Most handles are closed in the task (macrotask) that began them: a
 * loop of segments, a capture() around synchronous work, awaits of work already done. So a handle
 * is registered only if it is still open when that task ends (a timer of 0 ms), and one closed
 * before then costs a Map insertion and deletion.
 *
 * Bounds: at most MAX_FRESH handles wait to be registered; beyond that they are registered at once.
 * Where the timer never fires (a runtime that drops a request's timers when it ends), handles wait
 * until MAX_FRESH more arrive: what waits is bounded either way, and a handle that waits is never
 * lost, only reclaimed later. Nothing here throws.
 */
import type { Reclaimed, Tracked } from "./xray.ts";

/** Handles waiting for the end of their task at most; the next one registers them all. */
export const MAX_FRESH = 256;

type Timer = { unref?: () => void } | number | undefined;
const deno = (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno;

export class Reclaimer {
  readonly #registry: FinalizationRegistry<Reclaimed>;
  /** Handles begun since the last timer fired and still open, with what their finalizer frees. */
  readonly #fresh = new Map<object, Tracked>();
  #armed = false;
  readonly #fire = () => {
    this.#armed = false;
    this.settle();
  };

  constructor(registry: FinalizationRegistry<Reclaimed>) {
    this.#registry = registry;
  }

  /** Registers `handle` when its task ends, if it is still open then. */
  track(handle: object, held: Tracked): void {
    this.#fresh.set(handle, held);
    if (this.#fresh.size >= MAX_FRESH) this.settle();
    else if (!this.#armed) this.#arm();
  }

  /** A closed handle: forgotten if it waits, else unregistered. */
  untrack(handle: object): void {
    if (!this.#fresh.delete(handle)) this.#registry.unregister(handle);
  }

  /** Registers every handle that waits (open ones only wait: a close removes its handle). */
  settle(): void {
    try {
      for (const [handle, held] of this.#fresh) this.#registry.register(handle, held, handle);
    } catch {
      // register throws only for a non-object target: handles are objects
    }
    this.#fresh.clear();
  }

  /** The number of handles waiting (for tests). */
  get waiting(): number {
    return this.#fresh.size;
  }

  #arm(): void {
    this.#armed = true;
    try {
      // Unref'd: a handle waiting to be registered never keeps the process alive.
      const timer: Timer = setTimeout(this.#fire, 0) as unknown as Timer;
      if (typeof timer === "object" && typeof timer.unref === "function") timer.unref();
      else if (typeof timer === "number") deno?.unrefTimer?.(timer);
    } catch {
      // no timers here (or not now): register at once, as before
      this.#armed = false;
      this.settle();
    }
  }
}
