/**
 * aws-xray-sdk-core's `captureHTTPsGlobal(module)` and `captureHTTPs(module)`: a `remote`
 * subsegment named after the host for each `request` and `get` of node:http or node:https, with
 * `http.request` (method, URL without its query) and `http.response` (status, content length),
 * the flags the status calls for, the error of a failed request, and `X-Amzn-Trace-Id` sent.
 *
 * The functions are wrapped, as the peer wraps them, rather than observed through
 * node:diagnostics_channel: on Node 20 `http.client.request.start` is published after the
 * request's headers are written (setHeader then throws ERR_HTTP_HEADERS_SENT), so the trace
 * header could not be propagated, and `http.client.request.created` does not exist there.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import { runIn } from "../context/storage.ts";
import { resolveManualSegmentParams, resolveSegment } from "./context.ts";
import type { Subsegment } from "./entities.ts";
import { enabled, isAutomaticMode, log, logOnce } from "./state.ts";

/** A client response, which knows its request. */
type Response = IncomingMessage & { req: ClientRequest };
type SubsegmentCallback = (subsegment: Subsegment, req: ClientRequest, res: IncomingMessage | null, error?: Error) => void;
type AnyFn = (...args: any[]) => any;
type HttpModule = { request: AnyFn; get: AnyFn; __request?: AnyFn; __get?: AnyFn };

const TRACE_HEADER = "X-Amzn-Trace-Id";

/** Instruments `mod` itself (`require("node:http")`), once. */
export function captureHTTPsGlobal(mod: any, downstreamXRayEnabled?: boolean, subsegmentCallback?: SubsegmentCallback): void {
  if (!isModule(mod)) return log("error", "captureHTTPsGlobal: expected the node:http or node:https module");
  if (!enabled()) return; // AWS_XRAY_SDK_ENABLED=false: the module is left as it is
  if (!mod.__request) enableCapture(mod, downstreamXRayEnabled === true, subsegmentCallback);
}

/** A copy of `mod` whose `request` and `get` are instrumented; `mod` is left as it is. */
export function captureHTTPs<T>(mod: T, downstreamXRayEnabled?: boolean, subsegmentCallback?: SubsegmentCallback): T {
  if (!isModule(mod)) {
    log("error", "captureHTTPs: expected the node:http or node:https module");
    return mod;
  }
  if (mod.__request || !enabled()) return mod;
  const traced = {} as HttpModule;
  for (const key of Object.keys(mod)) (traced as Record<string, unknown>)[key] = (mod as Record<string, unknown>)[key];
  enableCapture(traced, downstreamXRayEnabled === true, subsegmentCallback);
  return traced as T;
}

function isModule(mod: unknown): mod is HttpModule {
  return (
    mod !== null &&
    typeof mod === "object" &&
    typeof (mod as HttpModule).request === "function" &&
    typeof (mod as HttpModule).get === "function"
  );
}

function enableCapture(mod: HttpModule, traced: boolean, callback: SubsegmentCallback | undefined): void {
  const request = mod.request;
  const get = mod.get;
  mod.__request = request;
  mod.__get = get;
  Object.defineProperties(mod, {
    request: {
      value: (...args: unknown[]) => outgoing(request, args, traced, callback),
      configurable: true,
      enumerable: true,
      writable: true,
    },
    get: { value: (...args: unknown[]) => outgoing(get, args, traced, callback), configurable: true, enumerable: true, writable: true },
  });
}

type Options = Record<string, any>;

const urlModule = () => (globalThis as { process?: { getBuiltinModule?: (id: string) => any } }).process?.getBuiltinModule?.("node:url");

/** A URL's parts as request options (node:url's urlToHttpOptions). */
function optionsOf(url: URL): Options {
  const toOptions = urlModule()?.urlToHttpOptions;
  return typeof toOptions === "function"
    ? toOptions(url)
    : { protocol: url.protocol, hostname: url.hostname, port: url.port, path: url.pathname + url.search };
}

function hasTraceHeader(headers: unknown): boolean {
  if (headers === null || typeof headers !== "object") return false;
  return Object.keys(headers).some((k) => k.toLowerCase() === "x-amzn-trace-id");
}

/** One `request(...)` or `get(...)`: the arguments as node:http takes them (url?, options?, callback?). */
function outgoing(base: AnyFn, args: unknown[], traced: boolean, subsegmentCallback: SubsegmentCallback | undefined): unknown {
  const hasUrl = typeof args[1] === "object" && args[1] !== null;
  let options = (hasUrl ? args[1] : args[0]) as Options | string | URL | undefined;
  const callback = (hasUrl ? args[2] : args[1]) as AnyFn | undefined;
  if (!options || (typeof options === "object" && hasTraceHeader((options as Options).headers))) return base(...args);
  let sub: Subsegment | undefined;
  let call: unknown[];
  try {
    let urlObj: Options | URL;
    try {
      if (typeof options === "string") options = new URL(options);
      urlObj = hasUrl ? (typeof args[0] === "string" ? new URL(args[0]) : (args[0] as Options)) : options;
    } catch {
      return base(...args); // node:http will say what is wrong with its arguments
    }
    const opts: Options = options instanceof URL ? optionsOf(options) : { ...(options as Options) };
    const parent = parentOf(options);
    const hostname = String(opts.hostname || opts.host || (urlObj as Options).hostname || (urlObj as Options).host || "Unknown host");
    if (!parent) {
      logOnce("http:missing", "info", `Options for request to ${hostname} are missing the sub/segment context. Ignoring.`);
      return base(...args);
    }
    delete opts.Segment;
    delete opts.XRaySegment;
    delete opts.XraySegment;
    const s = parent.beginSubsegment(hostname, { namespace: "remote", traced: traced || undefined });
    sub = s;
    opts.headers = { ...(opts.headers as Options | undefined), [TRACE_HEADER]: s.traceHeader };
    const onResponse = (res: Response) => responded(s, res, subsegmentCallback, callback);
    call = hasUrl ? [args[0], opts, onResponse] : [opts, onResponse];
  } catch (error) {
    if (error instanceof ContextMissing) throw error.error; // RUNTIME_ERROR asked for it, as with the peer
    return base(...args); // our failure: the request goes on untraced
  }
  const req: ClientRequest = base(...call);
  try {
    const s = sub!;
    req.on(errorMonitor(), (error: Error) => failed(s, req, error, subsegmentCallback));
  } catch {
    // a request object without on(): nothing more is recorded
  }
  return req;
}

/** What the context-missing strategy threw, carried past the catch-all of `outgoing`. */
class ContextMissing {
  constructor(readonly error: unknown) {}
}

function parentOf(options: Options | URL): ReturnType<typeof resolveSegment> {
  try {
    return resolveSegment(resolveManualSegmentParams(options instanceof URL ? undefined : options));
  } catch (error) {
    throw new ContextMissing(error);
  }
}

const errorMonitor = (): string | symbol => {
  const events = (globalThis as { process?: { getBuiltinModule?: (id: string) => any } }).process?.getBuiltinModule?.("node:events");
  return events?.errorMonitor ?? "error";
};

const answered = new WeakSet<Subsegment>();

function responded(sub: Subsegment, res: Response, subsegmentCallback: SubsegmentCallback | undefined, callback: AnyFn | undefined): void {
  answered.add(sub);
  res.on("end", () => {
    userCallback(subsegmentCallback, sub, res.req, res);
    sub.addRemoteRequestData(res.req, res);
    sub.close();
  });
  if (typeof callback === "function") {
    if (isAutomaticMode()) runIn(sub, () => callback(res));
    else callback(res);
  } else if (res.req && res.req.listenerCount("response") === 0) res.resume();
}

function failed(sub: Subsegment, req: ClientRequest, error: Error, subsegmentCallback: SubsegmentCallback | undefined): void {
  userCallback(subsegmentCallback, sub, req, null, error);
  if (sub.isClosed()) return;
  if (answered.has(sub)) return sub.close(error, true); // the response began, then failed: the service's
  sub.addRemoteRequestData(req, null);
  sub.close(error);
}

function userCallback(
  cb: SubsegmentCallback | undefined,
  sub: Subsegment,
  req: ClientRequest,
  res: IncomingMessage | null,
  error?: Error,
): void {
  if (typeof cb !== "function") return;
  try {
    cb(sub, req, res, error as Error);
  } catch (e) {
    log("error", `captureHTTPs: the subsegment callback threw: ${String((e as Error)?.message ?? e)}`);
  }
}
