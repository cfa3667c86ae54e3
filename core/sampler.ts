import { type Core, SAMPLER_BYTES_AT } from "./abi.ts";
import { type LocalRule, DEFAULT_RULES, parseLocalRules } from "./rules.ts";
import type { Clock } from "./clock.ts";

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
  /** A rules document (versions 1 and 2) as an object, JSON text or a file path. */
  rules?: object | string;
}

/** Pattern bytes a field may take; longer attributes are cut (hosts and paths are far shorter). */
const FIELD_CAP = 4096;

/**
 * Local sampling: rules in file order, the default last; each rule's reservoir takes fixed_target
 * requests per second, then `rate` of the rest is sampled with the core's CSPRNG pool.
 */
export class SamplerWith {
  readonly rules: readonly LocalRule[];
  private readonly core: Core;
  private readonly id: number;
  private readonly clock: Clock;

  constructor(core: Core, clock: Clock, options: SamplerOptions = {}) {
    this.core = core;
    this.clock = clock;
    this.rules = options.rules === undefined ? DEFAULT_RULES : parseLocalRules(options.rules);
    this.id = core.x.samplerCreate();
    for (const rule of this.rules) {
      this.fields(rule.host, rule.httpMethod, rule.urlPath, undefined, undefined);
      core.x.samplerAddRule(this.id, rule.fixedTarget, rule.rate);
    }
  }

  /** Writes five optional strings as the core's (lengths, bytes) input. */
  private fields(...values: (string | undefined)[]): void {
    const core = this.core;
    let at = SAMPLER_BYTES_AT;
    for (let i = 0; i < 5; i++) {
      const v = values[i];
      let n = -1;
      if (typeof v === "string") {
        n = core.write(v, at, FIELD_CAP);
        at += n;
      }
      core.views();
      core.i32[(core.input >> 2) + i] = n;
    }
  }

  shouldSample(request: SamplingRequest = {}): SamplingDecision {
    const r = request ?? {};
    this.fields(r.host, r.method, r.urlPath, r.serviceName, r.serviceType);
    const decision = this.core.x.samplerDecide(this.id, this.clock());
    if (decision < 0) return { sampled: false, rule: "none" };
    return { sampled: (decision & 1) === 1, rule: this.rules[decision >> 1]?.name ?? "default" };
  }
}
