/**
 * aws-xray-sdk-core's `middleware` namespace, what server frameworks' X-Ray middleware call:
 * `traceRequestResponseCycle(req, res)` (a segment per request, closed when the response ends),
 * its naming (`setDefaultName`, `enableDynamicNaming`, `resolveName`), `processHeaders` and
 * `setSamplingRules`. Sampling is local (xray-edge's Sampler, the same rule documents): the
 * peer's centralized sampling is xray-edge/xray-api's, not carried over here.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { newTraceId, Sampler } from "../host/index.ts";
import { envValue, processEnv } from "../context/settings.ts";
import { adopt, type Segment } from "./entities.ts";
import { enabled, tracer } from "./state.ts";
import { processTraceData, wildcardMatch } from "./utils.ts";

const envName = envValue(processEnv(), "AWS_XRAY_TRACING_NAME");

const naming: { defaultName: string | undefined; dynamicNaming: boolean; hostPattern: string | null } = {
  defaultName: envName,
  dynamicNaming: false,
  hostPattern: null,
};

let sampler: Sampler | undefined;

/**
 * Local sampling rules (version 1 or 2, an object, JSON text or a file path) for the segments
 * traceRequestResponseCycle begins. A malformed document throws, naming the field (so does the peer).
 */
export function setSamplingRules(source: string | object): void {
  if (!source || !(typeof source === "string" || typeof source === "object"))
    throw new Error("setSamplingRules: specify a path to the local sampling rules file, or supply an object containing the rules");
  sampler = new Sampler({ rules: source });
}

/** The peer turns its centralized sampler off; sampling here is local already. */
export function disableCentralizedSampling(): void {}

/** The segments' name when dynamic naming does not give one; AWS_XRAY_TRACING_NAME, when set, wins. */
export function setDefaultName(name: string): void {
  if (envName === undefined) naming.defaultName = name;
}

/** Names each segment after the request's Host header (when it matches `hostPattern`, if given). */
export function enableDynamicNaming(hostPattern?: string): void {
  if (hostPattern !== undefined && hostPattern !== null && typeof hostPattern !== "string")
    throw new Error("Host pattern must be a string.");
  naming.dynamicNaming = true;
  naming.hostPattern = hostPattern || null;
}

export function resolveName(hostHeader?: string): string {
  if (naming.dynamicNaming && hostHeader)
    return naming.hostPattern ? (wildcardMatch(naming.hostPattern, hostHeader) ? hostHeader : (naming.defaultName ?? "")) : hostHeader;
  return naming.defaultName ?? "";
}

/** The request's `X-Amzn-Trace-Id`, taken apart as processTraceData does. */
export function processHeaders(req?: { headers?: Record<string, unknown> }): { [key: string]: string } {
  const h = req?.headers?.["x-amzn-trace-id"];
  return typeof h === "string" && h ? (processTraceData(h) as { [key: string]: string }) : {};
}

function clientIp(req: IncomingMessage): string {
  const forwarded = req.headers["x-forwarded-for"];
  if (typeof forwarded === "string" && forwarded) return forwarded.split(",")[0] ?? "";
  return req.socket?.remoteAddress ?? "";
}

/**
 * Begins the segment of one request (joining its trace header, obeying its Sampled, else the
 * sampling rules), records the request, and closes the segment with the response's status when
 * the response finishes. Returns the segment; make it current with setSegment or ns.run.
 */
export function traceRequestResponseCycle(req: IncomingMessage, res: ServerResponse): Segment {
  const header = processHeaders(req as { headers?: Record<string, unknown> });
  const name = resolveName(typeof req.headers?.host === "string" ? req.headers.host : undefined);
  let sampled: boolean;
  if (!enabled()) sampled = false;
  else if (header.sampled === "1") sampled = true;
  else if (header.sampled === "0") sampled = false;
  else {
    sampler ??= new Sampler();
    sampled = sampler.shouldSample({ host: req.headers?.host, method: req.method, urlPath: req.url, serviceName: name }).sampled;
  }
  // A request without a trace header begins a trace of its own, with the decision just made.
  const root = header.root ?? newTraceId();
  const entity = tracer().beginSegment(name, { traceHeader: { root, parent: header.parent, sampled, extra: {} } });
  const segment = adopt(entity) as Segment;
  try {
    if (header.sampled === "?" && !res.headersSent)
      res.setHeader("x-amzn-trace-id", `Root=${segment.trace_id};Sampled=${sampled ? "1" : "0"}`);
  } catch {
    // a response that refuses the header: the request goes on
  }
  const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const forwarded = Boolean(req.headers?.["x-forwarded-for"]);
  const request = {
    method: req.method || "",
    user_agent: String(req.headers?.["user-agent"] ?? ""),
    client_ip: clientIp(req),
    url: `${encrypted ? "https://" : "http://"}${req.headers?.host ?? ""}${req.url ?? ""}`,
    ...(forwarded ? { x_forwarded_for: true } : {}),
  };
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    const status = Number(res.statusCode) || 0;
    const length = Number.parseInt(String(res.getHeader?.("content-length") ?? ""), 10);
    // setHttp sets the flags the status calls for (429 throttle and error, 4xx error, 5xx fault).
    segment.setHttp({
      request,
      response: { ...(status ? { status } : {}), ...(Number.isFinite(length) ? { content_length: length } : {}) },
    });
    segment.close();
  };
  res.on("finish", end);
  res.on("close", end);
  return segment;
}
