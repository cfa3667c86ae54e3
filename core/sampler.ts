import type { Clock } from "./clock.ts";
import { defaultXRay } from "./default.ts";
import { isRecord, optionError } from "./options.ts";
import { DEFAULT_RULES, type LocalRule, parseLocalRules } from "./rules.ts";
import type { XRay } from "./xray.ts";

/** The request attributes rules match on; an absent attribute matches any pattern. */
export interface SamplingRequest {
  host?: string;
  method?: string;
  urlPath?: string;
  serviceName?: string;
  serviceType?: string;
}

export interface SamplingDecision {
  sampled: boolean;
  /** The name of the rule that decided. */
  rule: string;
}

export interface SamplerOptions {
  /** A rules document (versions 1 and 2) as an object, JSON text, or a file path where the platform reads files. */
  rules?: object | string;
  /** The core whose reservoirs and entropy decide (`createXRay()`). Default: the package's core. */
  xray?: XRay;
  /** Epoch seconds for the reservoirs. Default: the core's clock. */
  clock?: Clock;
}

/**
 * Local sampling: rules in file order, the default last; each rule's reservoir takes fixed_target
 * requests per second, then `rate` of the rest is sampled with the core's CSPRNG pool. Its rule
 * set lives in the core and is freed when the Sampler is garbage-collected.
 */
export class Sampler {
  readonly rules: readonly LocalRule[];
  readonly #xray: XRay;
  readonly #id: number;
  readonly #clock: Clock;

  constructor(options: SamplerOptions = {}) {
    if (!isRecord(options)) throw optionError("new Sampler", "options", "an object", options);
    const o: SamplerOptions = options;
    if (o.clock !== undefined && typeof o.clock !== "function") throw optionError("new Sampler", "clock", "a function", o.clock);
    if (o.rules !== undefined && typeof o.rules !== "string" && (typeof o.rules !== "object" || o.rules === null)) {
      throw optionError("new Sampler", "rules", "a rules document (an object, JSON text or a file path)", o.rules);
    }
    const xray = o.xray ?? defaultXRay();
    this.#xray = xray;
    this.#clock = o.clock ?? xray.platform.clock;
    this.rules = o.rules === undefined ? DEFAULT_RULES : parseLocalRules(o.rules, xray.platform.readTextFile);
    const core = xray.core;
    this.#id = core.samplerCreate();
    xray.reclaim.register(this, this.#id);
    for (const rule of this.rules) {
      // parseLocalRules refused patterns over the core's limit: this cannot fail.
      core.samplerAddRule(this.#id, [rule.host, rule.httpMethod, rule.urlPath, undefined, undefined], rule.fixedTarget, rule.rate);
    }
  }

  /** Decides for one request; never throws (a failing clock or core decides "not sampled"). */
  shouldSample(request: SamplingRequest = {}): SamplingDecision {
    try {
      const r: SamplingRequest = typeof request === "object" && request !== null ? request : {};
      let now: number;
      try {
        now = this.#clock();
        if (typeof now !== "number") now = Date.now() / 1000;
      } catch {
        now = Date.now() / 1000;
      }
      const decision = this.#xray.core.samplerDecide(this.#id, r.host, r.method, r.urlPath, r.serviceName, r.serviceType, now);
      if (decision < 0) return { sampled: false, rule: "none" };
      return { sampled: (decision & 1) === 1, rule: this.rules[decision >> 1]?.name ?? "default" };
    } catch {
      return { sampled: false, rule: "none" };
    }
  }
}
