/**
 * Where centralized sampling rules and targets come from: the X-Ray daemon's TCP address, which
 * proxies the X-Ray API unsigned (`POST /GetSamplingRules`, `POST /SamplingTargets`; the daemon
 * signs), or the X-Ray API itself through @aws-sdk/client-xray (SigV4 by the SDK).
 */
import type { DaemonEndpoint } from "../udp/address.ts";
import type { RuleStatistics } from "../../core/index.ts";
import type { XrayClientLike } from "./transport.ts";

/** One page of GetSamplingRules. */
export interface RulesPage {
  records: unknown[];
  nextToken?: string;
}

/** GetSamplingTargets' answer. */
export interface TargetsAnswer {
  targets: unknown[];
  /** When the rules last changed (epoch seconds): newer than ours means fetch them again. */
  lastRuleModification?: number;
}

/** A statistics document for GetSamplingTargets (`Timestamp` in epoch seconds). */
export interface StatisticsDocument extends RuleStatistics {
  ClientID: string;
  Timestamp: number;
}

export interface SamplingTransport {
  /** What it talks to, for messages. */
  readonly name: string;
  getRules(nextToken: string | undefined): Promise<RulesPage>;
  getTargets(documents: StatisticsDocument[]): Promise<TargetsAnswer>;
}

/** Requests to the daemon that take longer than this are abandoned (and retried at the next poll). */
export const REQUEST_TIMEOUT_MS = 5000;

const seconds = (v: unknown): number | undefined =>
  v instanceof Date ? v.getTime() / 1000 : typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** The daemon's TCP address, through the fetch the sampler was made with (never a traced one). */
export function daemonTransport(tcp: DaemonEndpoint, fetchFn: typeof fetch): SamplingTransport {
  const base = `http://${tcp.host.includes(":") ? `[${tcp.host}]` : tcp.host}:${tcp.port}`;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetchFn(`${base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text.slice(0, 200)}`);
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
      throw new Error(`${path} answered JSON that is not an object`);
    return parsed as Record<string, unknown>;
  };
  return {
    name: `the daemon at ${base}`,
    async getRules(nextToken) {
      const r = await post("/GetSamplingRules", nextToken === undefined ? {} : { NextToken: nextToken });
      const records = Array.isArray(r.SamplingRuleRecords) ? r.SamplingRuleRecords : [];
      return {
        records: records.map((x) => (x as { SamplingRule?: unknown })?.SamplingRule),
        nextToken: typeof r.NextToken === "string" ? r.NextToken : undefined,
      };
    },
    async getTargets(documents) {
      const r = await post("/SamplingTargets", { SamplingStatisticsDocuments: documents });
      return {
        targets: Array.isArray(r.SamplingTargetDocuments) ? r.SamplingTargetDocuments : [],
        lastRuleModification: seconds(r.LastRuleModification),
      };
    },
  };
}

/** The X-Ray API through @aws-sdk/client-xray (an optional peer dependency, loaded on first use). */
export function sdkTransport(client: XrayClientLike): SamplingTransport {
  let commands:
    | Promise<{ GetSamplingRulesCommand: new (i: unknown) => unknown; GetSamplingTargetsCommand: new (i: unknown) => unknown }>
    | undefined;
  const load = () => (commands ??= import("@aws-sdk/client-xray") as never);
  return {
    name: "the X-Ray API",
    async getRules(nextToken) {
      const { GetSamplingRulesCommand } = await load();
      const r = (await client.send(new GetSamplingRulesCommand({ NextToken: nextToken }))) as Record<string, unknown>;
      const records = Array.isArray(r?.SamplingRuleRecords) ? r.SamplingRuleRecords : [];
      return {
        records: records.map((x) => (x as { SamplingRule?: unknown })?.SamplingRule),
        nextToken: typeof r?.NextToken === "string" ? r.NextToken : undefined,
      };
    },
    async getTargets(documents) {
      const { GetSamplingTargetsCommand } = await load();
      const input = { SamplingStatisticsDocuments: documents.map((d) => ({ ...d, Timestamp: new Date(d.Timestamp * 1000) })) };
      const r = (await client.send(new GetSamplingTargetsCommand(input))) as Record<string, unknown>;
      return {
        targets: Array.isArray(r?.SamplingTargetDocuments) ? r.SamplingTargetDocuments : [],
        lastRuleModification: seconds(r?.LastRuleModification),
      };
    },
  };
}
