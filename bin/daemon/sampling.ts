/**
 * The sampling half of the daemon's TCP address, served locally: `POST /GetSamplingRules` and
 * `POST /SamplingTargets` as AWS's daemon proxies them to X-Ray, answered from a local rules file
 * (`--sampling-rules`), so that centralized sampling can be developed and tested with no AWS
 * account. The file is X-Ray's own form (`{ "SamplingRuleRecords": [{ "SamplingRule": … }] }`, or
 * an array of SamplingRule objects) or a local rules document (versions 1 and 2), whose rules become
 * centralized ones in file order (priority 1, 2, …; the description as the name) and whose default
 * becomes "Default". Each rule's targets give it its ReservoirSize as its quota for a minute.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { parseLocalRules } from "../../core/rules.ts";
import type { DaemonEndpoint } from "../../adapters/udp/address.ts";
import { UsageError } from "../options.ts";

export interface ServedRule {
  RuleName: string;
  RuleARN: string;
  ResourceARN: string;
  Priority: number;
  FixedRate: number;
  ReservoirSize: number;
  ServiceName: string;
  ServiceType: string;
  Host: string;
  HTTPMethod: string;
  URLPath: string;
  Version: number;
  Attributes: Record<string, string>;
}

/** X-Ray's default rule: 1 request a second, then 5%. */
const DEFAULT_RULES = [centralRule("Default", 10000, 1, 0.05, "*", "*", "*")];
/** Rules a GetSamplingRules page holds (X-Ray pages by 100 too). */
export const PAGE_SIZE = 100;
/** How long a quota the targets give holds. */
const QUOTA_TTL_S = 60;
/** Bytes of a request body read at most: statistics for a few hundred rules. */
const MAX_BODY = 1024 * 1024;

function centralRule(
  name: string,
  priority: number,
  reservoir: number,
  rate: number,
  host: string,
  method: string,
  path: string,
): ServedRule {
  return {
    RuleName: name,
    RuleARN: `arn:aws:xray:local:000000000000:sampling-rule/${name}`,
    ResourceARN: "*",
    Priority: priority,
    FixedRate: rate,
    ReservoirSize: reservoir,
    ServiceName: "*",
    ServiceType: "*",
    Host: host,
    HTTPMethod: method,
    URLPath: path,
    Version: 1,
    Attributes: {},
  };
}

function checkRecord(raw: unknown, where: string): ServedRule {
  const r = raw as Record<string, unknown>;
  if (typeof r !== "object" || r === null) throw new UsageError(`--sampling-rules: ${where} is not an object`);
  const text = (key: string) => {
    if (r[key] !== undefined && typeof r[key] !== "string")
      throw new UsageError(`--sampling-rules: ${where}.${key} must be a string pattern`);
    return (r[key] as string | undefined) ?? "*";
  };
  if (typeof r.RuleName !== "string" || r.RuleName === "") throw new UsageError(`--sampling-rules: ${where}.RuleName must be a name`);
  const num = (key: string, ok: (n: number) => boolean, form: string) => {
    if (typeof r[key] !== "number" || !ok(r[key] as number)) throw new UsageError(`--sampling-rules: ${where}.${key} must be ${form}`);
    return r[key] as number;
  };
  return {
    ...centralRule(
      r.RuleName,
      num("Priority", (n) => Number.isInteger(n) && n >= 1 && n <= 9999 + 1, "an integer from 1 to 10000"),
      num("ReservoirSize", (n) => Number.isInteger(n) && n >= 0, "a non-negative integer"),
      num("FixedRate", (n) => n >= 0 && n <= 1, "a number from 0 to 1"),
      text("Host"),
      text("HTTPMethod"),
      text("URLPath"),
    ),
    ServiceName: text("ServiceName"),
    ServiceType: text("ServiceType"),
    ResourceARN: text("ResourceARN"),
    Attributes: typeof r.Attributes === "object" && r.Attributes !== null ? (r.Attributes as Record<string, string>) : {},
  };
}

/** The rules a file gives (checked: a malformed file is a usage error naming the field). */
export function loadSamplingRules(path: string | undefined): ServedRule[] {
  if (path === undefined) return DEFAULT_RULES;
  let text: string;
  try {
    text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    throw new UsageError(`--sampling-rules: cannot read "${path}": ${(e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--sampling-rules: "${path}" is not JSON: ${(e as Error).message}`);
  }
  if (Array.isArray(doc)) return doc.map((r, i) => checkRecord(r, `[${i}]`));
  const d = doc as Record<string, unknown>;
  if (typeof d === "object" && d !== null && Array.isArray(d.SamplingRuleRecords)) {
    return d.SamplingRuleRecords.map((r, i) =>
      checkRecord((r as { SamplingRule?: unknown })?.SamplingRule, `SamplingRuleRecords[${i}].SamplingRule`),
    );
  }
  let local: ReturnType<typeof parseLocalRules>;
  try {
    local = parseLocalRules(doc as object);
  } catch (e) {
    throw new UsageError(`--sampling-rules: ${(e as Error).message.replace(/^xray-edge: /, "")}`);
  }
  return local.map((r, i) =>
    r.name === "default"
      ? centralRule("Default", 10000, r.fixedTarget, r.rate, "*", "*", "*")
      : centralRule(
          r.name.replace(/[^A-Za-z0-9_-]/g, "_"),
          i + 1,
          r.fixedTarget,
          r.rate,
          r.host ?? "*",
          r.httpMethod ?? "*",
          r.urlPath ?? "*",
        ),
  );
}

export interface SamplingService {
  address: DaemonEndpoint;
  /** Requests served, by path. */
  requests: { rules: number; targets: number; refused: number };
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error("body too large"));
        req.destroy();
      } else parts.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

/** Serves the rules on `at` (TCP). Rejects when the address cannot be listened on. */
export async function startSamplingService(
  at: DaemonEndpoint,
  rules: ServedRule[],
  now: () => number = () => Date.now() / 1000,
): Promise<SamplingService> {
  const requests = { rules: 0, targets: 0, refused: 0 };
  const answer = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const server: Server = createServer(async (req, res) => {
    try {
      const body = req.method === "POST" ? JSON.parse((await readBody(req)) || "{}") : undefined;
      if (req.method === "POST" && req.url === "/GetSamplingRules") {
        requests.rules++;
        const start = typeof body?.NextToken === "string" && /^\d+$/.test(body.NextToken) ? Number(body.NextToken) : 0;
        const page = rules.slice(start, start + PAGE_SIZE);
        const t = now();
        const out: Record<string, unknown> = { SamplingRuleRecords: page.map((r) => ({ SamplingRule: r, CreatedAt: t, ModifiedAt: t })) };
        if (start + PAGE_SIZE < rules.length) out.NextToken = String(start + PAGE_SIZE);
        return answer(res, 200, out);
      }
      if (req.method === "POST" && req.url === "/SamplingTargets") {
        requests.targets++;
        const docs: unknown[] = Array.isArray(body?.SamplingStatisticsDocuments) ? body.SamplingStatisticsDocuments : [];
        const t = now();
        const targets = docs.flatMap((d) => {
          const rule = rules.find((r) => r.RuleName === (d as { RuleName?: unknown })?.RuleName);
          return rule
            ? [
                {
                  RuleName: rule.RuleName,
                  FixedRate: rule.FixedRate,
                  ReservoirQuota: rule.ReservoirSize,
                  ReservoirQuotaTTL: t + QUOTA_TTL_S,
                  Interval: 10,
                },
              ]
            : [];
        });
        return answer(res, 200, { SamplingTargetDocuments: targets, LastRuleModification: 0, UnprocessedStatistics: [] });
      }
      requests.refused++;
      answer(res, 404, { message: `${req.method} ${req.url}: this daemon serves POST /GetSamplingRules and POST /SamplingTargets` });
    } catch (e) {
      requests.refused++;
      answer(res, 400, { message: `malformed request: ${(e as Error).message}` });
    }
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(at.port, at.host, () => resolve());
  });
  server.unref();
  const a = server.address() as AddressInfo;
  return {
    address: { host: a.address, port: a.port, family: a.family === "IPv6" ? 6 : 4 } as DaemonEndpoint,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
