/**
 * A stand-in for the X-Ray API on 127.0.0.1, for every test of issue 13 (direct export, centralized
 * sampling). It implements the three operations xray-edge calls, as @aws-sdk/client-xray's
 * serializers (restJson1) send them:
 *
 *   PutTraceSegments    POST /TraceSegments      {TraceSegmentDocuments: string[]}  → {UnprocessedTraceSegments}
 *   GetSamplingRules    POST /GetSamplingRules   {NextToken?}                       → {SamplingRuleRecords, NextToken?}
 *   GetSamplingTargets  POST /SamplingTargets    {SamplingStatisticsDocuments}      → {SamplingTargetDocuments, LastRuleModification, UnprocessedStatistics}
 *
 * Every request is recorded; a request of the wrong shape or without a SigV4 Authorization header
 * is answered 400/403 and its problem listed in `problems` (a test asserts it stays empty). Answers
 * can be scripted per operation, in order: throttling, 5xx, no answer at all, unprocessed segments.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type Operation = "PutTraceSegments" | "GetSamplingRules" | "GetSamplingTargets";

export interface RecordedRequest {
  operation: Operation | "unknown";
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** The parsed JSON body (undefined if it did not parse). */
  body: any;
  /** What was answered: a status, or "hang". */
  answer: number | "hang";
}

export interface UnprocessedEntry {
  Id?: string;
  ErrorCode?: string;
  Message?: string;
}

/** A scripted answer, used once by the next request of its operation. */
export type Answer =
  | { kind: "ok" }
  | { kind: "throttle" }
  | { kind: "error"; status: number; type: string }
  | { kind: "hang" }
  | { kind: "unprocessed"; select: (documents: any[]) => UnprocessedEntry[] };

export const ok = (): Answer => ({ kind: "ok" });
/** 429 with `x-amzn-ErrorType: ThrottledException`, what X-Ray answers (client-xray's name for it). */
export const throttle = (): Answer => ({ kind: "throttle" });
export const serverError = (status = 500, type = status === 503 ? "ServiceUnavailableException" : "InternalFailure"): Answer => ({
  kind: "error",
  status,
  type,
});
/** 400 InvalidRequestException: a final error, not retried. */
export const badRequest = (): Answer => ({ kind: "error", status: 400, type: "InvalidRequestException" });
/** Never answers (the connection stays open until close()): a timeout. */
export const hang = (): Answer => ({ kind: "hang" });
/** 200 with these documents (the parsed JSON of each) reported unprocessed. */
export const unprocessed = (select: (documents: any[]) => UnprocessedEntry[]): Answer => ({ kind: "unprocessed", select });

export interface StandInOptions {
  /** The rule records GetSamplingRules pages through (each `{SamplingRule: {...}, CreatedAt, ModifiedAt}`). */
  rules?: any[];
  /** Records per GetSamplingRules page. Default 10. */
  pageSize?: number;
  /** GetSamplingTargets' answer for the statistics sent. Default: each rule gets quota 1, TTL now + 10 s, rate 0.05. */
  targets?: (statistics: any[]) => any[];
  /** LastRuleModification in GetSamplingTargets' answer (epoch seconds). Default 0. */
  lastRuleModification?: number;
  /** Check the SigV4 Authorization header. Default true. */
  requireSignature?: boolean;
}

export interface StandIn {
  /** `http://127.0.0.1:<port>`: the endpoint to pass to a client. */
  url: string;
  requests: RecordedRequest[];
  /** Requests of one operation. */
  of(operation: Operation): RecordedRequest[];
  /** Shape and signature problems seen; empty when every request was well-formed. */
  problems: string[];
  /** The documents PutTraceSegments accepted (parsed), in order of arrival. */
  accepted: any[];
  /** Queues answers for the next requests of `operation`; once used up, requests are answered normally. */
  script(operation: Operation, ...answers: Answer[]): void;
  /** Requests not yet answered (scripted hang). */
  hanging(): number;
  close(): Promise<void>;
}

const PATHS: Record<string, Operation> = {
  "/TraceSegments": "PutTraceSegments",
  "/GetSamplingRules": "GetSamplingRules",
  "/SamplingTargets": "GetSamplingTargets",
};

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s]+)\/(\d{8})\/([a-z0-9-]+)\/xray\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=[0-9a-f]{64}$/;

/** SigV4 as a client must present it (its value is not verified: the stand-in has no secret to check it with). */
export function signatureProblem(headers: IncomingMessage["headers"]): string | undefined {
  const auth = headers.authorization;
  if (typeof auth !== "string") return "no Authorization header";
  const m = AUTHORIZATION.exec(auth);
  if (!m) return `Authorization is not SigV4 for xray: ${auth.slice(0, 80)}`;
  const date = headers["x-amz-date"];
  if (typeof date !== "string" || !/^\d{8}T\d{6}Z$/.test(date)) return "no x-amz-date of the form YYYYMMDDTHHMMSSZ";
  if (!date.startsWith(m[2]!)) return `x-amz-date ${date} is not the credential's date ${m[2]}`;
  const signed = m[4]!.split(";");
  if (!signed.includes("host") || !signed.includes("x-amz-date")) return `SignedHeaders lacks host or x-amz-date: ${m[4]}`;
  return undefined;
}

const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/** The body's problem for its operation, or undefined. */
export function shapeProblem(operation: Operation, body: any): string | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "the body is not a JSON object";
  const extra = (allowed: string[]) => Object.keys(body).find((k) => !allowed.includes(k));
  if (operation === "PutTraceSegments") {
    const docs = body.TraceSegmentDocuments;
    if (extra(["TraceSegmentDocuments"])) return `unexpected field ${extra(["TraceSegmentDocuments"])}`;
    if (!Array.isArray(docs) || docs.length === 0) return "TraceSegmentDocuments is not a non-empty array";
    if (docs.length > 50) return `${docs.length} documents in one call (at most 50)`;
    for (const doc of docs) {
      if (typeof doc !== "string") return "a TraceSegmentDocuments item is not a string";
      if (Buffer.byteLength(doc) > 64 * 1024) return "a document is over 64 KB";
      let parsed: any;
      try {
        parsed = JSON.parse(doc);
      } catch {
        return `a document is not JSON: ${doc.slice(0, 60)}`;
      }
      if (typeof parsed?.id !== "string" || typeof parsed?.trace_id !== "string") return "a document lacks id or trace_id";
    }
    return undefined;
  }
  if (operation === "GetSamplingRules") {
    if (extra(["NextToken"])) return `unexpected field ${extra(["NextToken"])}`;
    if (body.NextToken !== undefined && typeof body.NextToken !== "string") return "NextToken is not a string";
    return undefined;
  }
  const stats = body.SamplingStatisticsDocuments;
  if (extra(["SamplingStatisticsDocuments", "SamplingBoostStatisticsDocuments"])) return "unexpected field in GetSamplingTargets";
  if (!Array.isArray(stats)) return "SamplingStatisticsDocuments is not an array";
  if (stats.length > 25) return `${stats.length} statistics documents (at most 25)`;
  for (const s of stats) {
    if (typeof s?.RuleName !== "string" || typeof s?.ClientID !== "string") return "a statistics document lacks RuleName or ClientID";
    if (!/^[0-9a-f]{24}$/.test(s.ClientID)) return `ClientID is not 24 hex digits: ${s.ClientID}`;
    if (typeof s.Timestamp !== "number") return "Timestamp is not epoch seconds (a number)";
    if (!isCount(s.RequestCount) || !isCount(s.SampledCount) || (s.BorrowCount !== undefined && !isCount(s.BorrowCount)))
      return "RequestCount, SampledCount or BorrowCount is not a count";
  }
  return undefined;
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const problems: string[] = [];
  const accepted: any[] = [];
  const scripts = new Map<Operation, Answer[]>();
  const sockets = new Set<Socket>();
  const open = new Set<ServerResponse>();
  const pageSize = options.pageSize ?? 10;
  const rules = options.rules ?? [];

  const reply = (res: ServerResponse, status: number, body: unknown, type?: string) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (type) headers["x-amzn-errortype"] = `${type}:http://internal.amazon.com/coral/com.amazonaws.xray/`;
    res.writeHead(status, headers).end(JSON.stringify(body));
    return status;
  };

  const answer = (operation: Operation, body: any, res: ServerResponse): number | "hang" => {
    const scripted = scripts.get(operation)?.shift() ?? ok();
    if (scripted.kind === "hang") {
      open.add(res);
      return "hang";
    }
    if (scripted.kind === "throttle") return reply(res, 429, { message: "Rate exceeded" }, "ThrottledException");
    if (scripted.kind === "error") return reply(res, scripted.status, { message: `scripted ${scripted.type}` }, scripted.type);
    if (operation === "PutTraceSegments") {
      const docs = (body.TraceSegmentDocuments as string[]).map((d) => JSON.parse(d));
      const refused = scripted.kind === "unprocessed" ? scripted.select(docs) : [];
      const ids = new Set(refused.map((u) => u.Id));
      for (const doc of docs) if (!ids.has(doc.id)) accepted.push(doc);
      return reply(res, 200, { UnprocessedTraceSegments: refused });
    }
    if (operation === "GetSamplingRules") {
      const start = body.NextToken === undefined ? 0 : Number(/^page-(\d+)$/.exec(body.NextToken)?.[1] ?? Number.NaN);
      if (!Number.isInteger(start) || start > rules.length) {
        problems.push(`GetSamplingRules: unknown NextToken ${body.NextToken}`);
        return reply(res, 400, { message: "Invalid NextToken" }, "InvalidRequestException");
      }
      const end = start + pageSize;
      return reply(res, 200, { SamplingRuleRecords: rules.slice(start, end), ...(end < rules.length ? { NextToken: `page-${end}` } : {}) });
    }
    const stats = body.SamplingStatisticsDocuments as any[];
    const now = Date.now() / 1000;
    const targets =
      options.targets?.(stats) ??
      stats.map((s) => ({ RuleName: s.RuleName, FixedRate: 0.05, ReservoirQuota: 1, ReservoirQuotaTTL: now + 10, Interval: 10 }));
    return reply(res, 200, {
      SamplingTargetDocuments: targets,
      LastRuleModification: options.lastRuleModification ?? 0,
      UnprocessedStatistics: [],
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const path = (req.url ?? "").split("?")[0]!;
      const operation = PATHS[path];
      let body: any;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {}
      const record: RecordedRequest = {
        operation: operation ?? "unknown",
        method: req.method ?? "",
        path,
        headers: req.headers,
        body,
        answer: 0,
      };
      requests.push(record);
      if (operation === undefined || req.method !== "POST") {
        problems.push(`${req.method} ${path}: no such operation`);
        record.answer = reply(res, 404, { message: "UnknownOperationException" }, "UnknownOperationException");
        return;
      }
      const unsigned = options.requireSignature === false ? undefined : signatureProblem(req.headers);
      if (unsigned) {
        problems.push(`${operation}: ${unsigned}`);
        record.answer = reply(res, 403, { message: unsigned }, "MissingAuthenticationTokenException");
        return;
      }
      const contentType = req.headers["content-type"] ?? "";
      const shape = contentType.startsWith("application/json")
        ? shapeProblem(operation, body)
        : `content-type is ${contentType || "missing"}`;
      if (shape) {
        problems.push(`${operation}: ${shape}`);
        record.answer = reply(res, 400, { message: shape }, "InvalidRequestException");
        return;
      }
      record.answer = answer(operation, body, res);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    of: (operation) => requests.filter((r) => r.operation === operation),
    problems,
    accepted,
    script(operation, ...answers) {
      scripts.set(operation, [...(scripts.get(operation) ?? []), ...answers]);
    },
    hanging: () => [...open].filter((r) => !r.writableEnded && !r.destroyed).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
