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
import { type Segment, segmentOf } from "./entities.ts";
import { IncomingRequestData } from "./http-data.ts";
import { enabled, log, tracer } from "./state.ts";
import { processTraceData, wildcardMatch } from "./utils.ts";

const envName = envValue(processEnv(), "AWS_XRAY_TRACING_NAME");

/** The segments' default name (AWS_XRAY_TRACING_NAME, else setDefaultName's), read live as `middleware.defaultName`. */
export let defaultName: string | undefined = envName;
/** Whether segments are named after the Host header (enableDynamicNaming). */
export let dynamicNaming = false;
/** The pattern a Host must match to name a segment, or null for any. */
export let hostPattern: string | null = null;

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
  if (envName === undefined) defaultName = name;
}

/** Names each segment after the request's Host header (when it matches `pattern`, if given). */
export function enableDynamicNaming(pattern?: string): void {
  if (pattern !== undefined && pattern !== null && typeof pattern !== "string") throw new Error("Host pattern must be a string.");
  dynamicNaming = true;
  hostPattern = pattern || null;
}

export function resolveName(hostHeader?: string): string {
  if (dynamicNaming && hostHeader)
    return hostPattern ? (wildcardMatch(hostPattern, hostHeader) ? hostHeader : (defaultName ?? "")) : hostHeader;
  return defaultName ?? "";
}

/** The request's `X-Amzn-Trace-Id`, taken apart as processTraceData does. */
export function processHeaders(req?: { headers?: Record<string, unknown> }): { [key: string]: string } {
  const h = req?.headers?.["x-amzn-trace-id"];
  return typeof h === "string" && h ? (processTraceData(h) as { [key: string]: string }) : {};
}

/** Says at debug level what the middleware did with a segment, as the peer does. */
export function middlewareLog(message: string, url: string, segment: Segment): void {
  log(
    "debug",
    `${message}: { url: ${url}, name: ${segment.name}, trace_id: ${segment.trace_id}, id: ${segment.id}, sampled: ${!segment.notTraced} }`,
  );
}

export { IncomingRequestData };

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
  const segment = segmentOf(name, entity);
  try {
    if (header.sampled === "?" && !res.headersSent)
      res.setHeader("x-amzn-trace-id", `Root=${segment.trace_id};Sampled=${sampled ? "1" : "0"}`);
  } catch {
    // a response that refuses the header: the request goes on
  }
  const incoming = new IncomingRequestData(req);
  segment.addIncomingRequestData(incoming);
  middlewareLog("Starting middleware segment", String(req.url ?? ""), segment);
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    // The status sets the flags it calls for when the segment's http is recorded (429 throttle and error, 4xx error, 5xx fault).
    incoming.close(res);
    segment.close();
    middlewareLog("Closed middleware segment", String(req.url ?? ""), segment);
  };
  res.on("finish", end);
  res.on("close", end);
  return segment;
}
