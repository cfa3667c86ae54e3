/**
 * The emulator's invocation slots: the `next` requests parked waiting for an event and the
 * invocations handed out, at most `capacity` together. Capacity 1 is Lambda's classic environment
 * (one invocation, then the next); N is a Managed Instance's AWS_LAMBDA_MAX_CONCURRENCY, where a
 * runtime holds up to N `next` requests open and answers the events in any order.
 */
import type { ServerResponse } from "node:http";
import type { Pending, Sandbox } from "./invocation.ts";

/** As the runtime accepts it (adapters/runtime/concurrency.ts). */
export const MAX_CONCURRENCY = 256;

/** The capacity for `concurrency` (default 1); throws a RangeError naming the option otherwise. */
export function checkConcurrency(concurrency: number | undefined): number {
  if (concurrency === undefined) return 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)
    throw new RangeError(`startEmulator: concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not ${concurrency}`);
  return concurrency;
}

/**
 * The slots to serve: `concurrency` when given, else what the runtime will be told through an
 * AWS_LAMBDA_MAX_CONCURRENCY of the user's environment (`--env`), when that is a number the
 * runtime accepts; else one (a malformed value is the runtime's init error to report).
 */
export function capacityFor(concurrency: number | undefined, env: Record<string, string> | undefined): number {
  if (concurrency !== undefined) return checkConcurrency(concurrency);
  const fromEnv = env?.AWS_LAMBDA_MAX_CONCURRENCY;
  if (fromEnv === undefined || !/^[0-9]{1,3}$/.test(fromEnv)) return 1;
  const n = Number(fromEnv);
  return n >= 1 && n <= MAX_CONCURRENCY ? n : 1;
}

/** The variable that tells the runtime to run that many at once, when it was asked for. */
export function concurrencyEnv(concurrency: number | undefined): Record<string, string> {
  return concurrency === undefined ? {} : { AWS_LAMBDA_MAX_CONCURRENCY: String(concurrency) };
}

export class Slots {
  readonly waiters: ServerResponse[] = [];
  readonly inFlight = new Map<string, Pending>();
  /** The most slots a runtime process has used at once: it has that many workers (see idle()). */
  private widest = new WeakMap<Sandbox, number>();

  constructor(readonly capacity: number) {}

  get busy(): boolean {
    return this.inFlight.size > 0;
  }

  /** Why a `next` cannot wait for an event now (Lambda answers it 403), or undefined when it can. */
  refuseNext(): string | undefined {
    if (this.capacity === 1) {
      const [p] = this.inFlight.values();
      if (p) return `invocation ${p.requestId} has not been answered yet: post its response or error first`;
      if (this.waiters.length > 0) return "another next request is already waiting for an event";
      return undefined;
    }
    if (this.inFlight.size + this.waiters.length >= this.capacity)
      return `${this.capacity} invocations are in flight or waiting for an event (the concurrency): answer one first`;
    return undefined;
  }

  park(res: ServerResponse, sb: Sandbox | undefined): void {
    this.waiters.push(res);
    if (sb) this.widest.set(sb, Math.max(this.widest.get(sb) ?? 0, this.waiters.length + this.inFlight.size));
    res.on("close", () => {
      const i = this.waiters.indexOf(res);
      if (i >= 0) this.waiters.splice(i, 1);
    });
  }

  /** A parked `next` to answer, when an invocation may start. */
  takeWaiter(): ServerResponse | undefined {
    if (this.inFlight.size >= this.capacity) return undefined;
    for (let res = this.waiters.shift(); res; res = this.waiters.shift()) if (!res.destroyed) return res;
    return undefined;
  }

  start(p: Pending): void {
    this.inFlight.set(p.requestId, p);
  }

  end(p: Pending): void {
    if (this.inFlight.get(p.requestId) === p) this.inFlight.delete(p.requestId);
  }

  ofSandbox(sb: Sandbox): Pending[] {
    return [...this.inFlight.values()].filter((p) => p.sandbox === sb);
  }

  /**
   * Whether `sb` waits for events with every worker it has: a runtime with N workers is idle once
   * all N are back (the one that answered last may still be sending its trace before it asks).
   */
  allWaiting(sb: Sandbox): boolean {
    return this.waiters.length > 0 && this.waiters.length >= Math.min(this.capacity, this.widest.get(sb) ?? 1);
  }

  dropWaiters(): void {
    for (const res of this.waiters.splice(0)) res.destroy();
  }
}
