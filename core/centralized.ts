/**
 * Centralized sampling rules as the X-Ray API gives them (GetSamplingRules, GetSamplingTargets),
 * matched and counted in the wasm core. This is the platform-free half: xray-edge/xray-api fetches
 * the rules and targets, on a schedule, from the daemon or the API, and hands them here.
 */
import type { CentralFields } from "./abi.ts";
import { C_BORROW, C_BORROWED, C_DEFAULT, C_SAMPLED, MAX_ATTRIBUTES, MAX_PATTERN_BYTES } from "./assembly/shared.ts";
import type { Clock } from "./clock.ts";
import { defaultXRay } from "./default.ts";
import { isRecord, optionError } from "./options.ts";
import type { SamplingDecision, SamplingRequest } from "./sampler.ts";
import type { XRay } from "./xray.ts";

/** A sampling rule as GetSamplingRules returns it (`SamplingRuleRecords[].SamplingRule`). */
export interface CentralRule {
  RuleName: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName?: string;
  ServiceType?: string;
  Host?: string;
  HTTPMethod?: string;
  URLPath?: string;
  ResourceARN?: string;
  Attributes?: Record<string, string>;
  Version?: number;
}

/** A target as GetSamplingTargets returns it (`SamplingTargetDocuments[]`); times in epoch seconds. */
export interface CentralTarget {
  RuleName: string;
  FixedRate?: number;
  ReservoirQuota?: number;
  /** When the quota expires: epoch seconds (or a Date, as @aws-sdk/client-xray gives it). */
  ReservoirQuotaTTL?: number | Date;
  Interval?: number;
}

/** One rule's counts for GetSamplingTargets' `SamplingStatisticsDocuments`. */
export interface RuleStatistics {
  RuleName: string;
  RequestCount: number;
  SampledCount: number;
  BorrowCount: number;
}

/** A request for centralized rules: the local attributes plus the resource ARN and attributes. */
export interface CentralRequest extends SamplingRequest {
  resourceArn?: string;
  attributes?: Record<string, string>;
}

/** The rule name X-Ray reserves for the default rule, which matches every request. */
const DEFAULT_RULE = "Default";

const text = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const utf8 = (s: string) => new TextEncoder().encode(s).length;

/** A rule the core can hold, or the reason it cannot (a malformed record is skipped, never fatal). */
function checkRule(raw: unknown): CentralRule | string {
  if (!isRecord(raw)) return "not an object";
  const r = raw as Record<string, unknown>;
  if (typeof r.RuleName !== "string" || r.RuleName === "") return "no RuleName";
  if (typeof r.Priority !== "number" || !Number.isFinite(r.Priority)) return `${r.RuleName}: Priority is not a number`;
  if (typeof r.FixedRate !== "number" || !(r.FixedRate >= 0 && r.FixedRate <= 1)) return `${r.RuleName}: FixedRate is not in [0, 1]`;
  if (typeof r.ReservoirSize !== "number" || !(r.ReservoirSize >= 0)) return `${r.RuleName}: ReservoirSize is not a non-negative number`;
  if (r.Version !== undefined && r.Version !== 1) return `${r.RuleName}: Version ${String(r.Version)} is not 1`;
  for (const key of ["ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath", "ResourceARN"]) {
    const v = r[key];
    if (v !== undefined && (typeof v !== "string" || utf8(v) > MAX_PATTERN_BYTES)) return `${r.RuleName}: ${key} is not a pattern`;
  }
  if (r.Attributes !== undefined) {
    if (!isRecord(r.Attributes)) return `${r.RuleName}: Attributes is not an object`;
    const entries = Object.entries(r.Attributes);
    if (entries.length > MAX_ATTRIBUTES) return `${r.RuleName}: more than ${MAX_ATTRIBUTES} attributes`;
    for (const [k, v] of entries)
      if (typeof v !== "string" || utf8(k) > MAX_PATTERN_BYTES || utf8(v) > MAX_PATTERN_BYTES)
        return `${r.RuleName}: attribute ${k} is not a pattern`;
  }
  return r as unknown as CentralRule;
}

/** Rules by priority, then name: the order X-Ray applies them in. */
function byPriority(a: CentralRule, b: CentralRule): number {
  return a.Priority - b.Priority || (a.RuleName < b.RuleName ? -1 : a.RuleName > b.RuleName ? 1 : 0);
}

export interface CentralizedRulesOptions {
  /** The core whose reservoirs and entropy decide (`createXRay()`). Default: the package's core. */
  xray?: XRay;
  /** Epoch seconds. Default: the core's clock. */
  clock?: Clock;
}

/**
 * The current set of centralized rules in the core. `setRules` replaces them (a rule kept by name
 * keeps its reservoir and counts), `applyTargets` gives rules their quotas, `statistics` reports
 * and resets the counts, `shouldSample` decides (undefined while there are no rules).
 */
export class CentralizedRules {
  readonly #xray: XRay;
  readonly #clock: Clock;
  #id = -1;
  #names: string[] = [];
  #skipped: string[] = [];

  constructor(options: CentralizedRulesOptions = {}) {
    if (!isRecord(options)) throw optionError("new CentralizedRules", "options", "an object", options);
    const o: CentralizedRulesOptions = options;
    if (o.clock !== undefined && typeof o.clock !== "function") throw optionError("new CentralizedRules", "clock", "a function", o.clock);
    this.#xray = o.xray ?? defaultXRay();
    this.#clock = o.clock ?? this.#xray.platform.clock;
  }

  /** The rule names in the order they apply. */
  get ruleNames(): readonly string[] {
    return this.#names;
  }

  /** Records the last setRules skipped, with the reason (malformed, or a duplicate name). */
  get skipped(): readonly string[] {
    return this.#skipped;
  }

  /** Replaces the rules (any order: they are sorted by priority, then name). Never throws. */
  setRules(records: readonly unknown[]): void {
    const core = this.#xray.core;
    const rules: CentralRule[] = [];
    const skipped: string[] = [];
    const seen = new Set<string>();
    for (const raw of Array.isArray(records) ? records : []) {
      const r = checkRule(raw);
      if (typeof r === "string") skipped.push(r);
      else if (seen.has(r.RuleName)) skipped.push(`${r.RuleName}: a second rule of that name`);
      else {
        seen.add(r.RuleName);
        rules.push(r);
      }
    }
    rules.sort(byPriority);
    const id = core.centralCreate();
    const names: string[] = [];
    for (const r of rules) {
      const fields: CentralFields = [
        text(r.Host),
        text(r.HTTPMethod),
        text(r.URLPath),
        text(r.ServiceName),
        text(r.ServiceType),
        text(r.ResourceARN),
      ];
      const flags = (r.RuleName === DEFAULT_RULE ? C_DEFAULT : 0) | (r.ReservoirSize > 0 ? C_BORROW : 0);
      const index = core.centralAddRule(id, fields, Object.entries(r.Attributes ?? {}), flags, r.FixedRate);
      if (index < 0) skipped.push(`${r.RuleName}: its patterns do not fit`);
      else names.push(r.RuleName);
    }
    if (this.#id >= 0) {
      names.forEach((name, to) => {
        const from = this.#names.indexOf(name);
        if (from >= 0) core.centralCarry(this.#id, from, id, to);
      });
      core.centralFree(this.#id);
      this.#xray.reclaim.unregister(this);
    }
    // Collected, this object frees its rule set in the core.
    this.#xray.reclaim.register(this, { central: id }, this);
    this.#id = id;
    this.#names = names;
    this.#skipped = skipped;
  }

  /** Applies targets by rule name (unknown names are ignored). Never throws. */
  applyTargets(targets: readonly unknown[]): void {
    if (this.#id < 0) return;
    for (const t of Array.isArray(targets) ? targets : []) {
      if (!isRecord(t) || typeof t.RuleName !== "string") continue;
      const index = this.#names.indexOf(t.RuleName);
      if (index < 0) continue;
      const rate = typeof t.FixedRate === "number" ? t.FixedRate : -1;
      const quota =
        typeof t.ReservoirQuota === "number" && Number.isInteger(t.ReservoirQuota) && t.ReservoirQuota >= 0 ? t.ReservoirQuota : -1;
      const ttlRaw = t.ReservoirQuotaTTL;
      const ttl = ttlRaw instanceof Date ? ttlRaw.getTime() / 1000 : typeof ttlRaw === "number" ? ttlRaw : Number.NaN;
      this.#xray.core.centralSetTarget(this.#id, index, rate, Number.isFinite(ttl) ? quota : -1, Number.isFinite(ttl) ? ttl : 0);
    }
  }

  /** Each rule's counts since the last call (then reset), for SamplingStatisticsDocuments. */
  statistics(): RuleStatistics[] {
    const out: RuleStatistics[] = [];
    if (this.#id < 0) return out;
    this.#names.forEach((name, index) => {
      const s = this.#xray.core.centralStats(this.#id, index);
      if (s) out.push({ RuleName: name, RequestCount: s[0], SampledCount: s[1], BorrowCount: s[2] });
    });
    return out;
  }

  /** The decision of the first rule that matches; undefined while no rules are held or none matched. */
  shouldSample(request: CentralRequest = {}): (SamplingDecision & { borrowed: boolean }) | undefined {
    if (this.#id < 0) return undefined;
    try {
      const r = isRecord(request) ? (request as CentralRequest) : {};
      const fields: CentralFields = [
        text(r.host),
        text(r.method),
        text(r.urlPath),
        text(r.serviceName),
        text(r.serviceType),
        text(r.resourceArn),
      ];
      const attributes = isRecord(r.attributes)
        ? Object.entries(r.attributes).filter((e): e is [string, string] => typeof e[1] === "string")
        : [];
      let now: number;
      try {
        now = this.#clock();
      } catch {
        now = Date.now() / 1000;
      }
      const d = this.#xray.core.centralDecide(
        this.#id,
        fields,
        attributes,
        typeof now === "number" && Number.isFinite(now) ? now : Date.now() / 1000,
      );
      if (d < 0) return undefined;
      return { sampled: (d & C_SAMPLED) !== 0, borrowed: (d & C_BORROWED) !== 0, rule: this.#names[d >> 2] ?? DEFAULT_RULE };
    } catch {
      return undefined;
    }
  }
}
