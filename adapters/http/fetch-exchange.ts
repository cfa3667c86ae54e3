/**
 * One request of a fetch-style handler, traced: the per-request half of traceFetchHandler, apart
 * from its options so that a wrapper with its own tracer per request (xray-edge/workers) reuses it
 * without importing options.ts, whose default UDP emitter pulls in node:dgram.
 */
import type { Resolved } from "./options.ts";
import { beginExchange, contentLength, type Exchange, firstForwarded, isThenable, runTraced, TRACE_HEADER } from "./record.ts";

/** The second argument Bun.serve (the server) and Deno.serve (the connection's info) pass. */
type PeerInfo = {
  requestIP?: (request: Request) => { address?: string } | null;
  remoteAddr?: { hostname?: string };
};

/** The peer's address where the runtime tells it: Bun's `server.requestIP(request)`, Deno's `info.remoteAddr`. */
function peerAddress(request: Request, second: unknown): string | undefined {
  if (second === null || typeof second !== "object") return undefined;
  const p = second as PeerInfo;
  if (typeof p.requestIP === "function") {
    const a = p.requestIP(request)?.address;
    return typeof a === "string" ? a : undefined;
  }
  const h = p.remoteAddr?.hostname;
  return typeof h === "string" ? h : undefined;
}

/** `scheme//host` and the path with query of an absolute URL, without a URL object per request. */
function splitUrl(url: string): { scheme: string; host: string; target: string } {
  const colon = url.indexOf("://");
  const start = colon < 0 ? 0 : colon + 3;
  let end = start;
  while (end < url.length && url[end] !== "/" && url[end] !== "?" && url[end] !== "#") end++;
  const hash = url.indexOf("#", end);
  const rest = hash < 0 ? url.slice(end) : url.slice(end, hash);
  return {
    scheme: colon < 0 ? "http:" : url.slice(0, colon + 1),
    host: url.slice(start, end),
    target: rest.startsWith("/") ? rest : `/${rest}`,
  };
}

function begin(r: Resolved, request: Request, second: unknown): Exchange | undefined {
  try {
    const h = request.headers;
    const u = splitUrl(request.url);
    return beginExchange(r, {
      method: request.method,
      scheme: u.scheme,
      host: h.get("host") ?? u.host,
      target: u.target,
      userAgent: h.get("user-agent") ?? undefined,
      forwardedFor: firstForwarded(h.get("x-forwarded-for")),
      remoteAddress: peerAddress(request, second),
      traceHeader: h.get(TRACE_HEADER) ?? undefined,
    });
  } catch {
    return undefined;
  }
}

/**
 * The Response, closed over: its status and Content-Length close the segment; the answer to
 * Sampled=? is added to its headers (a copy of the Response when they are immutable, as on
 * `Response.redirect` or a proxied fetch's Response).
 */
function answered(x: Exchange, response: unknown): unknown {
  if (!(response instanceof Response)) {
    x.finish(undefined, undefined); // not a Response: the server will say so; nothing to record
    return response;
  }
  let out = response;
  try {
    if (x.answer !== undefined) {
      try {
        response.headers.set("X-Amzn-Trace-Id", x.answer);
      } catch {
        out = new Response(response.body, response);
        out.headers.set("X-Amzn-Trace-Id", x.answer);
      }
    }
    x.finish(response.status, contentLength(response.headers.get("content-length")));
  } catch {
    x.finish(undefined, undefined);
  }
  return out;
}

/**
 * Runs `handler.call(self, request, ...rest)` as one traced request on `r`'s tracer: the segment is
 * current for the handler and closed when its Response is ready (the result settles only after
 * that), when it throws or rejects (recorded, then thrown on unchanged), or when the client aborts
 * first. A request that cannot be traced runs the handler as it is. `began` is told the exchange
 * before the handler runs (xray-edge/workers keeps its segment for explicit parents).
 */
export function serveTraced<A extends unknown[], R>(
  r: Resolved,
  handler: (request: Request, ...rest: A) => R,
  self: unknown,
  request: Request,
  rest: A,
  began?: (x: Exchange) => void,
): R {
  const x = request instanceof Request ? begin(r, request, rest[0]) : undefined;
  if (x === undefined) return handler.call(self, request, ...rest);
  try {
    began?.(x);
  } catch {
    // the caller's bookkeeping: never a reason to fail the request
  }
  let signal: AbortSignal | undefined;
  const aborted = () => x.finish(undefined, undefined);
  try {
    // A client that goes away before the Response is ready: the segment closes now, without
    // http.response (the runtimes abort request.signal then), not whenever the handler ends.
    // The listener is removed once the Response is ready: Deno also aborts the signal after
    // every response (and warns once, on stderr, that it does; its info.completed does not
    // settle for a handler that never answers, so it cannot stand in).
    signal = request.signal;
    if (signal.aborted) aborted();
    else signal.addEventListener("abort", aborted, { once: true });
  } catch {
    signal = undefined;
  }
  const done = () => signal?.removeEventListener("abort", aborted);
  let result: R;
  try {
    result = runTraced(x, () => handler.call(self, request, ...rest));
  } catch (error) {
    done();
    x.finish(undefined, undefined); // the fault is recorded; the status is the server's to choose
    throw error;
  }
  if (!isThenable(result)) {
    done();
    return answered(x, result) as R;
  }
  return Promise.resolve(result).then(
    (response) => {
      done();
      return answered(x, response);
    },
    (error: unknown) => {
      done();
      x.finish(undefined, undefined); // the fault is recorded; the status is the server's to choose
      throw error;
    },
  ) as unknown as R;
}
