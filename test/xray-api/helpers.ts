/** What the X-Ray API emitter's tests share: documents of a chosen size, simulated timers, waits with deadlines. */
import { XRayClient } from "@aws-sdk/client-xray";
import { DAEMON_HEADER } from "../../core/emitter.ts";
import { createXrayApiEmitterWith, type XrayApiEmitter, type XrayApiHooks } from "../../adapters/xray-api/emitter.ts";
import type { XrayApiEmitterOptions } from "../../adapters/xray-api/options.ts";

export const CREDENTIALS = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" };

const encoder = new TextEncoder();

/** The segment ID of document `i`: 16 hex digits. */
export const idOf = (i: number) => i.toString(16).padStart(16, "0");

/** Document `i` as JSON of exactly `size` bytes (padded in metadata), and its daemon datagram. */
export function documentText(i: number, size = 200): string {
  const base = (pad: string) =>
    `{"name":"svc","id":"${idOf(i)}","trace_id":"1-5759e988-bd862e3fe1be46a994272793","start_time":1,"end_time":2,"metadata":{"default":{"pad":"${pad}"}}}`;
  const room = size - base("").length;
  if (room < 0) throw new Error(`a document cannot be under ${base("").length} bytes`);
  return base("x".repeat(room));
}

export const datagram = (i: number, size?: number) => encoder.encode(DAEMON_HEADER + documentText(i, size));

/**
 * Timers under the test's control: nothing fires until the test says. Each timer keeps the delay it
 * was set with, which is how a test tells the interval, a call's deadline and a backoff apart.
 */
export class FakeTimers {
  now = 0;
  private id = 0;
  private readonly timers = new Map<number, { at: number; ms: number; fn: () => void }>();
  /** Delays of the timers fired, in order. */
  readonly fired: number[] = [];

  readonly hooks: XrayApiHooks = {
    setTimeout: (fn, ms) => {
      const id = ++this.id;
      this.timers.set(id, { at: this.now + ms, ms, fn });
      return id;
    },
    clearTimeout: (id) => void this.timers.delete(id as number),
  };

  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }

  /** Fires the earliest timer set with a delay `ms` matches; false if there is none. */
  fire(match: (ms: number) => boolean): boolean {
    let best: [number, { at: number; ms: number; fn: () => void }] | undefined;
    for (const entry of this.timers) if (match(entry[1].ms) && (best === undefined || entry[1].at < best[1].at)) best = entry;
    if (best === undefined) return false;
    this.timers.delete(best[0]);
    this.now = Math.max(this.now, best[1].at);
    this.fired.push(best[1].ms);
    best[1].fn();
    return true;
  }
}

/** Waits until `condition` holds, failing after `ms` of real time (a condition, not a sleep). */
export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/**
 * Runs `promise` to its end while firing every backoff timer as soon as it is set (delays up to
 * `maxBackoff` ms: the interval and the deadlines are longer in these tests and never fire here).
 */
export async function withBackoffs<T>(timers: FakeTimers, promise: Promise<T>, maxBackoff = 2_000, ms = 10_000): Promise<T> {
  let done = false;
  let value: T;
  let failure: unknown;
  let failed = false;
  promise.then(
    (v) => ((value = v), (done = true)),
    (e) => ((failure = e), (failed = done = true)),
  );
  const deadline = Date.now() + ms;
  while (!done) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the promise (backoffs fired as they came)");
    if (!timers.fire((delay) => delay <= maxBackoff)) await new Promise((r) => setTimeout(r, 2));
  }
  if (failed) throw failure;
  return value!;
}

export const capture = () => {
  const messages: string[] = [];
  return { messages, logger: { warn: (m: string) => void messages.push(m) } };
};

/** Delays long enough never to fire unless a test fires them: interval 30 s, deadline 60 s. */
export const INTERVAL = 30_000;
export const TIMEOUT = 60_000;

/** An emitter to the stand-in through a client-xray XRayClient of its own making (SDK retries off). */
export function emitterTo(url: string, timers: FakeTimers, options: XrayApiEmitterOptions = {}, hooks: XrayApiHooks = {}): XrayApiEmitter {
  return createXrayApiEmitterWith(
    {
      region: "us-east-1",
      credentials: CREDENTIALS,
      endpoint: url,
      intervalMs: INTERVAL,
      timeoutMs: TIMEOUT,
      logger: capture().logger,
      ...options,
    },
    { random: () => 0, ...timers.hooks, ...hooks },
  );
}

/** An XRayClient to the stand-in, for tests that pass `client`. */
export const clientTo = (url: string) => new XRayClient({ region: "us-east-1", credentials: CREDENTIALS, endpoint: url, maxAttempts: 1 });

/**
 * A sampling rule as GetSamplingRules gives it (`SamplingRuleRecords[].SamplingRule`): matching
 * everything, fixed rate 0, a reservoir to borrow from; `extra` overrides.
 */
export const samplingRule = (name: string, priority: number, extra: Record<string, unknown> = {}) => ({
  RuleName: name,
  RuleARN: `arn:aws:xray:us-east-1:123456789012:sampling-rule/${name}`,
  ResourceARN: "*",
  Priority: priority,
  FixedRate: 0,
  ReservoirSize: 1,
  ServiceName: "*",
  ServiceType: "*",
  Host: "*",
  HTTPMethod: "*",
  URLPath: "*",
  Version: 1,
  Attributes: {},
  ...extra,
});

/** The same rule as a GetSamplingRules record. */
export const samplingRuleRecord = (name: string, priority: number, extra: Record<string, unknown> = {}) => ({
  SamplingRule: samplingRule(name, priority, extra),
  CreatedAt: 1,
  ModifiedAt: 1,
});
