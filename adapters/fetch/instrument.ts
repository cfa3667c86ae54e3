/**
 * `instrumentFetch(fetchImpl?, options?)`: a fetch that records each HTTP(S) call made in a traced
 * context as a `remote` subsegment named after the host, and passes the trace on in
 * `X-Amzn-Trace-Id`. The caller's input, init and headers are never changed (copies are sent),
 * the Response is the one fetch gave, and the instrumentation never throws into the call: when it
 * fails, the original fetch is called as given.
 *
 * Instrumented twice, a call is recorded once: instrumentFetch(traced) returns `traced` itself
 * (marked with a registered symbol, so a second copy of this module knows it too), and a traced
 * fetch called synchronously from inside another one's call (a wrapper of the user's between two
 * instrumentations: `instrumentFetch((i, o) => traced(i, o))`) passes the call straight on, since
 * the outer one records it and has set its header.
 */
import type { HttpData, SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { propagatable } from "../../core/header.ts";
import { beginCall, type Begun } from "../context/capture.ts";
import { ignoredParent } from "../context/parent.ts";

const TRACE_HEADER = "X-Amzn-Trace-Id";
const REMOTE: SubsegmentOptions = { namespace: "remote" };
/** The methods fetch upper-cases (others are sent as written). */
const NORMALIZED = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);

type FetchLike = (input: any, init?: any) => any;

/** Marks a fetch that instrumentFetch returned. */
const TRACED = Symbol.for("xray-edge.fetch.traced");
/** How many traced fetches are running their inner fetch right now (synchronously), in any copy. */
const NESTING = Symbol.for("xray-edge.fetch.nesting");
const nesting: { depth: number } =
  ((globalThis as Record<symbol, unknown>)[NESTING] as { depth: number } | undefined) ??
  (((globalThis as Record<symbol, unknown>)[NESTING] = { depth: 0 }) as { depth: number });

/** Calls `impl` with the nesting mark up, so that a traced fetch inside it passes the call on. */
function callInner(impl: FetchLike, input: unknown, init: unknown): any {
  nesting.depth++;
  try {
    return impl(input, init);
  } finally {
    nesting.depth--;
  }
}

/** The non-standard init property that names the parent of one call. */
export interface XRayRequestInit {
  /**
   * The segment or subsegment this call is recorded under (instead of the context's). Removed before
   * fetch sees the init. Anything else but undefined (null, `{}`, a closed entity) is ignored with
   * one warning: the request is made, unrecorded.
   */
  xrayParent?: TraceEntity | undefined;
}

export interface InstrumentFetchOptions {
  /** Record the query string in `http.request.url`. Default false: query strings often carry tokens. */
  includeQueryString?: boolean;
  /**
   * The parent for each call, for runtimes without AsyncLocalStorage (or code it does not
   * follow). Called per request; when it returns undefined, the context decides; when it throws
   * or returns something else than an entity, the request is made unrecorded (one warning). A
   * per-call `xrayParent` comes first.
   */
  parent?: () => TraceEntity | undefined;
}

/** `fetchImpl`'s signature, with `xrayParent` accepted in the init. */
export type TracedFetch<F extends FetchLike> = (
  input: Parameters<F>[0],
  init?: NonNullable<Parameters<F>[1]> & XRayRequestInit,
) => ReturnType<F>;

interface Plan {
  name: string;
  request: NonNullable<HttpData["request"]>;
  /** A copy of the headers the request would carry; undefined when it carries X-Amzn-Trace-Id. */
  headers: Headers | undefined;
}

/**
 * Wraps `fetchImpl` (default: `globalThis.fetch` as it is now). Each HTTP(S) request made while a
 * segment is in context (or with an explicit parent) is recorded as a subsegment, closed when the
 * response headers arrive or the fetch rejects; `X-Amzn-Trace-Id` is added unless the request has
 * one. In a pass-through invocation the incoming header is forwarded and nothing is recorded.
 * Errors are the original fetch's: a rejection is passed on as the same error, a synchronous
 * throw is thrown again. With AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR, a request made outside any
 * segment rejects with the context's error and is not made.
 */
export function instrumentFetch<F extends FetchLike = typeof globalThis.fetch>(
  fetchImpl?: F,
  options: InstrumentFetchOptions = {},
): TracedFetch<F> {
  const impl = (fetchImpl ?? (globalThis as { fetch?: unknown }).fetch) as F;
  if (typeof impl !== "function")
    throw new TypeError("instrumentFetch: expected a fetch function (this runtime has no globalThis.fetch: pass one)");
  // Already traced: wrapping it again would record each call twice.
  if ((impl as unknown as Record<symbol, unknown>)[TRACED] === true) return impl as unknown as TracedFetch<F>;
  const includeQueryString = options.includeQueryString === true;
  const parentOption = options.parent;

  const tracedFetch = function tracedFetch(input: unknown, init?: unknown): unknown {
    // Called by another traced fetch's inner fetch: that one records this call.
    if (nesting.depth > 0) return impl(input, init);
    let callInit = init;
    let parent: unknown;
    let plan: Plan | undefined;
    try {
      if (init !== null && typeof init === "object" && "xrayParent" in init) {
        parent = (init as XRayRequestInit).xrayParent;
        callInit = copyInit(init);
        delete (callInit as XRayRequestInit).xrayParent;
      }
      plan = planRequest(input, callInit, includeQueryString);
    } catch {
      plan = undefined; // our failure: the request goes out as the caller wrote it
    }
    if (plan && parent === undefined && parentOption) {
      try {
        parent = parentOption();
      } catch {
        ignoredParent("fetch", "the parent option threw");
        plan = undefined; // the caller's own parent failed: the context is not asked instead
      }
    }
    if (!plan) return callInner(impl, input, callInit);

    let begun: Begun;
    try {
      begun = beginCall("fetch", plan.name, REMOTE, parent);
    } catch (error) {
      return Promise.reject(error); // AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR and no segment
    }
    const sub = begun.sub;

    let sendInit = callInit;
    try {
      const header = begun.header;
      // Our entities' headers always pass; a pass-through or foreign one that would make fetch
      // reject, or break the line, is not sent (README "Trace headers").
      if (propagatable(header) && plan.headers) {
        plan.headers.set(TRACE_HEADER, header);
        const copy: Record<PropertyKey, unknown> = callInit != null ? copyInit(callInit as object) : {};
        copy.headers = plan.headers;
        sendInit = copy;
      }
      sub?.setHttp({ request: plan.request });
    } catch {
      sendInit = callInit;
    }

    let result: any;
    try {
      result = callInner(impl, input, sendInit);
    } catch (error) {
      if (sub) finish(sub, plan, false, error, false);
      throw error;
    }
    if (!sub) return result;
    const done = sub;
    try {
      if (result !== null && (typeof result === "object" || typeof result === "function") && typeof result.then === "function") {
        return result.then(
          (response: unknown) => {
            finish(done, plan, true, response, false);
            return response;
          },
          (error: unknown) => {
            finish(done, plan, false, error, true);
            throw error;
          },
        );
      }
    } catch {
      // a thenable whose `then` throws: not ours to judge; the result goes back as it is
    }
    finish(done, plan, true, result, false);
    return result;
  };
  Object.defineProperty(tracedFetch, TRACED, { value: true });
  return tracedFetch as TracedFetch<F>;
}

/**
 * What is recorded and sent for one call, or undefined for a call not to trace (a scheme other
 * than http and https). Throws where fetch itself would fail (an unparsable URL, invalid headers).
 */
function planRequest(input: unknown, init: any, includeQueryString: boolean): Plan | undefined {
  if (init != null && typeof init !== "object") return undefined; // fetch rejects it: left to fetch
  const request = isRequest(input) ? input : undefined;
  const url = parseUrl(request ? request.url : String(input));
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  const name = url.hostname;
  url.username = "";
  url.password = "";
  url.hash = "";
  if (!includeQueryString) url.search = "";
  const method = String((init != null ? init.method : undefined) ?? request?.method ?? "GET");
  const upper = method.toUpperCase();
  // In fetch, an init's headers replace the Request's.
  const given = init != null && init.headers !== undefined ? init.headers : request?.headers;
  const headers = new Headers(given);
  return {
    name,
    request: { method: NORMALIZED.has(upper) ? upper : method, url: url.href },
    headers: headers.has(TRACE_HEADER) ? undefined : headers,
  };
}

/**
 * Records the outcome (`ok`: the response; else the error, `remote` when fetch rejected rather than
 * threw) and closes the subsegment; never throws.
 */
function finish(sub: TraceEntity, plan: Plan, ok: boolean, outcome: unknown, remote: boolean): void {
  try {
    if (!ok) {
      sub.addError(outcome, { remote });
    } else if (outcome !== null && typeof outcome === "object") {
      const response = outcome;
      const status = (response as { status?: unknown }).status;
      if (typeof status === "number" && status > 0) {
        const http: HttpData = { request: plan.request, response: { status } };
        const length = contentLength((response as { headers?: unknown }).headers);
        if (length !== undefined) http.response!.content_length = length;
        sub.setHttp(http);
      }
    }
  } catch {
    // a response whose getters throw: what was read is all that is recorded
  }
  try {
    sub.close();
  } catch {
    // tracing never breaks the program
  }
}

function contentLength(headers: unknown): number | undefined {
  if (headers === null || typeof headers !== "object" || typeof (headers as Headers).get !== "function") return undefined;
  const value = (headers as Headers).get("content-length")?.trim();
  return value && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

function isRequest(input: unknown): input is { url: string; method?: string; headers?: Headers } {
  return input !== null && typeof input === "object" && typeof (input as { url?: unknown }).url === "string";
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    // relative: resolved against the page, as fetch does where there is one (throws elsewhere)
    return new URL(text, (globalThis as { location?: { href?: string } }).location?.href);
  }
}

/** A copy of an init with the same members: its own (symbols too), and inherited enumerable ones. */
function copyInit(init: object): Record<PropertyKey, unknown> {
  const copy: Record<PropertyKey, unknown> = { ...init };
  for (const key in init) if (!(key in copy)) copy[key] = (init as Record<string, unknown>)[key];
  return copy;
}
