/**
 * Centralized sampling: the rules set in the X-Ray console, applied live. The rules are fetched
 * (all pages) every 5 minutes with jitter, the targets every 10 seconds with each rule's counts
 * under one client ID; matching and reservoirs live in the wasm core (core/centralized.ts). While
 * no fresh rules are held (none yet, the service unreachable, or an hour without a refresh) the
 * local rules decide; each change of source is said once. Inside Lambda it stays off: Lambda
 * decides there.
 */
import {
  CentralizedRules,
  type Clock,
  type Logger,
  newTraceId,
  Sampler,
  type SamplingDecision,
  type SamplingStrategy,
  type XRay,
} from "../host/index.ts";
import type { CentralRequest } from "../../core/index.ts";
import { envValue, levelLogger, processEnv, readSettings } from "../context/settings.ts";
import { type DaemonEndpoint, parseDaemonAddress } from "../udp/address.ts";
import { daemonTransport, type SamplingTransport, sdkTransport } from "./sampling-transport.ts";
import type { XrayClientLike } from "./transport.ts";
import { optionError } from "../../core/options.ts";

// Read once, at import (a malformed address throws here, naming the variable).
const ENV = processEnv();
const DAEMON_TCP: DaemonEndpoint = parseDaemonAddress().tcp;
const IN_LAMBDA = envValue(ENV, "AWS_LAMBDA_FUNCTION_NAME") !== undefined;

export const RULES_INTERVAL_MS = 300_000;
export const TARGETS_INTERVAL_MS = 10_000;
/** Rules not refreshed for this long are stale: the local rules decide until a refresh succeeds. */
export const RULES_TTL_S = 3600;
/** Pages of GetSamplingRules followed at most (100 rules a page is X-Ray's; no account has 100 pages). */
const MAX_PAGES = 100;

export interface CentralizedSamplerOptions {
  /** The daemon's TCP address (`host:port`). Default: the `tcp:` part of AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000. */
  daemonAddress?: string;
  /** Talk to the X-Ray API through this @aws-sdk/client-xray XRayClient instead of the daemon. */
  client?: XrayClientLike;
  /** Or any transport (tests, proxies). */
  transport?: SamplingTransport;
  /** Decides while no fresh centralized rules are held. Default: a local Sampler (1 per second, then 5%). */
  fallback?: SamplingStrategy;
  /** The core the rules live in. Default: the package's. */
  xray?: XRay;
  /** Epoch seconds. Default: the core's clock. */
  clock?: Clock;
  /** Changes of source and failures, each said once. Default: console.warn, as AWS_XRAY_LOG_LEVEL says. */
  logger?: Logger;
  rulesIntervalMs?: number;
  targetsIntervalMs?: number;
  /** false: no timers; the caller drives refreshRules() and refreshTargets() (tests, a scheduler of its own). */
  poll?: boolean;
  /** The fetch the daemon transport uses. Default: the global fetch as it is when the sampler is made. */
  fetch?: typeof fetch;
}

export type SamplingSource = "centralized" | "local";

/** A SamplingStrategy for Tracer: centralized rules while fresh, the local rules otherwise. */
export class CentralizedSampler implements SamplingStrategy {
  readonly clientId: string;
  readonly #rules: CentralizedRules;
  readonly #fallback: SamplingStrategy;
  readonly #transport: SamplingTransport | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #rulesIntervalMs: number;
  readonly #targetsIntervalMs: number;
  /** When rules were last fetched (epoch seconds); -Infinity: never. */
  #rulesAt = Number.NEGATIVE_INFINITY;
  #source: SamplingSource = "local";
  #said = new Set<string>();
  #timers: ReturnType<typeof setTimeout>[] = [];
  #closed = false;

  constructor(options: CentralizedSamplerOptions = {}) {
    const o = checkOptions(options);
    this.#rules = new CentralizedRules({ xray: o.xray, clock: o.clock });
    this.#fallback = o.fallback ?? new Sampler({ xray: o.xray, clock: o.clock });
    this.#clock = o.clock ?? (() => Date.now() / 1000);
    this.#logger = o.logger ?? levelLogger(readSettings(ENV).logLevel);
    this.#rulesIntervalMs = o.rulesIntervalMs ?? RULES_INTERVAL_MS;
    this.#targetsIntervalMs = o.targetsIntervalMs ?? TARGETS_INTERVAL_MS;
    this.clientId = newTraceId().slice(11);
    if (IN_LAMBDA) {
      this.#say("lambda", "centralized sampling is off inside Lambda, where Lambda makes the sampling decision");
      return;
    }
    this.#transport =
      o.transport ??
      (o.client
        ? sdkTransport(o.client)
        : daemonTransport(o.daemonAddress ? parseDaemonAddress(o.daemonAddress).tcp : DAEMON_TCP, o.fetch ?? globalThis.fetch));
    if (o.poll !== false) {
      this.#schedule(() => this.refreshRules(), 0, this.#rulesIntervalMs, 0.01);
      this.#schedule(() => this.refreshTargets(), this.#targetsIntervalMs, this.#targetsIntervalMs, 0.01);
    }
  }

  /** Which rules decide now. */
  get source(): SamplingSource {
    return this.#source;
  }

  /** The centralized rule names in the order they apply (empty while none are held). */
  get ruleNames(): readonly string[] {
    return this.#rules.ruleNames;
  }

  shouldSample(request: CentralRequest = {}): SamplingDecision {
    const fresh = this.#now() - this.#rulesAt <= RULES_TTL_S;
    if (fresh) {
      const d = this.#rules.shouldSample(request);
      if (d) {
        this.#use("centralized", `centralized sampling rules from ${this.#transport?.name} decide`);
        return { sampled: d.sampled, rule: d.rule };
      }
    } else if (this.#source === "centralized")
      this.#use("local", "the centralized sampling rules are stale (no refresh for an hour): the local rules decide");
    try {
      return this.#fallback.shouldSample(request);
    } catch {
      return { sampled: false, rule: "none" };
    }
  }

  /** Fetches every page of the rules and applies them. Never rejects; a failure is said once. */
  async refreshRules(): Promise<void> {
    const transport = this.#transport;
    if (!transport || this.#closed) return;
    try {
      const records: unknown[] = [];
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await transport.getRules(token);
        records.push(...r.records);
        token = r.nextToken;
        if (!token) break;
      }
      this.#rules.setRules(records);
      this.#rulesAt = this.#now();
      this.#said.delete("rules-failed");
      for (const reason of this.#rules.skipped) this.#say(`skipped ${reason}`, `a sampling rule was skipped: ${reason}`);
    } catch (error) {
      this.#say(
        "rules-failed",
        `sampling rules could not be fetched from ${transport.name}: ${describe(error)}${this.#rules.ruleNames.length ? "" : " (the local rules decide)"}`,
      );
    }
  }

  /** Reports each rule's counts and applies the targets. Never rejects; a failure is said once. */
  async refreshTargets(): Promise<void> {
    const transport = this.#transport;
    if (!transport || this.#closed || this.#rules.ruleNames.length === 0) return;
    const now = this.#now();
    const documents = this.#rules.statistics().map((s) => ({ ...s, ClientID: this.clientId, Timestamp: Math.floor(now) }));
    try {
      const answer = await transport.getTargets(documents);
      this.#rules.applyTargets(answer.targets);
      this.#said.delete("targets-failed");
      if (answer.lastRuleModification !== undefined && answer.lastRuleModification > this.#rulesAt) await this.refreshRules();
    } catch (error) {
      this.#say(
        "targets-failed",
        `sampling targets could not be fetched from ${transport.name}: ${describe(error)} (rules borrow one request a second until their quota comes)`,
      );
    }
  }

  /** Stops polling (the timers never kept the process alive). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers = [];
  }

  #now(): number {
    try {
      const t = this.#clock();
      return typeof t === "number" && Number.isFinite(t) ? t : Date.now() / 1000;
    } catch {
      return Date.now() / 1000;
    }
  }

  #use(source: SamplingSource, message: string): void {
    if (this.#source === source) return;
    this.#source = source;
    this.#said.delete(`source:${source === "local" ? "centralized" : "local"}`);
    this.#say(`source:${source}`, message);
  }

  #say(kind: string, message: string): void {
    if (this.#said.has(kind)) return;
    this.#said.add(kind);
    try {
      this.#logger.warn(`[xray-edge] ${message}`);
    } catch {
      // a failing logger must not break sampling
    }
  }

  /** Runs `task` after `first` ms, then every `every` ms plus up to `jitter` of it, on unref'd timers. */
  #schedule(task: () => Promise<void>, first: number, every: number, jitter: number): void {
    const run = (delay: number) => {
      if (this.#closed) return;
      const t = setTimeout(() => {
        this.#timers = this.#timers.filter((x) => x !== t);
        void task().finally(() => run(every + Math.random() * every * jitter));
      }, delay);
      (t as { unref?: () => void }).unref?.();
      this.#timers.push(t);
    };
    run(first);
  }
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return "unknown error";
  }
}

function checkOptions(options: CentralizedSamplerOptions): CentralizedSamplerOptions {
  const where = "createCentralizedSampler";
  if (typeof options !== "object" || options === null) throw optionError(where, "options", "an object", options);
  const o = options;
  for (const name of ["rulesIntervalMs", "targetsIntervalMs"] as const) {
    const v = o[name];
    if (v !== undefined && !(typeof v === "number" && Number.isFinite(v) && v >= 100))
      throw optionError(where, name, "a number of milliseconds, at least 100", v);
  }
  if (o.daemonAddress !== undefined && typeof o.daemonAddress !== "string")
    throw optionError(where, "daemonAddress", "a string host:port", o.daemonAddress);
  if (o.daemonAddress !== undefined) parseDaemonAddress(o.daemonAddress); // throws naming the forms
  if (o.client !== undefined && typeof (o.client as { send?: unknown })?.send !== "function")
    throw optionError(where, "client", "an XRayClient from @aws-sdk/client-xray", o.client);
  const t = o.transport as Partial<SamplingTransport> | undefined;
  if (t !== undefined && (typeof t?.getRules !== "function" || typeof t?.getTargets !== "function"))
    throw optionError(where, "transport", "a SamplingTransport", t);
  if (o.fallback !== undefined && typeof (o.fallback as { shouldSample?: unknown })?.shouldSample !== "function")
    throw optionError(where, "fallback", "a SamplingStrategy", o.fallback);
  if (o.clock !== undefined && typeof o.clock !== "function")
    throw optionError(where, "clock", "a function returning epoch seconds", o.clock);
  if (o.logger !== undefined && typeof (o.logger as { warn?: unknown })?.warn !== "function")
    throw optionError(where, "logger", "a Logger: { warn(message) }", o.logger);
  if (o.fetch !== undefined && typeof o.fetch !== "function") throw optionError(where, "fetch", "a fetch function", o.fetch);
  if (o.poll !== undefined && typeof o.poll !== "boolean") throw optionError(where, "poll", "a boolean", o.poll);
  return o;
}

/** A centralized sampler; see CentralizedSampler. */
export function createCentralizedSampler(options: CentralizedSamplerOptions = {}): CentralizedSampler {
  return new CentralizedSampler(options);
}
