/**
 * `traceRequestListener(listener, options?)`: a `node:http` / `node:https` request listener (also
 * what `createServer` takes on Bun and Deno) whose every request is a segment, current for the
 * listener's awaits and closed when the response finishes or the connection closes first.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { settings } from "../context/storage.ts";
import { type HttpTracingOptions, type Resolved, resolveOptions } from "./options.ts";
import { beginExchange, contentLength, type Exchange, firstForwarded, runTraced, TRACE_HEADER } from "./record.ts";

type Listener<Req, Res> = (this: unknown, req: Req, res: Res) => unknown;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Begins the request's exchange and closes it with the response: on `finish` (all of it handed to
 * the socket) with its status and Content-Length; on `close` before that (the client went away)
 * with the status only when the headers had gone out. Undefined when tracing failed.
 */
export function openExchange(r: Resolved, req: IncomingMessage, res: ServerResponse): Exchange | undefined {
  let x: Exchange | undefined;
  try {
    const h = req.headers;
    const socket = req.socket as (IncomingMessage["socket"] & { encrypted?: boolean }) | undefined;
    // Express rewrites req.url under mounted routers; originalUrl is the request line's.
    const target = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/";
    x = beginExchange(r, {
      method: req.method ?? "GET",
      scheme: socket?.encrypted ? "https:" : "http:",
      host: one(h.host) ?? "",
      target,
      userAgent: one(h["user-agent"]),
      forwardedFor: firstForwarded(one(h["x-forwarded-for"])),
      remoteAddress: socket?.remoteAddress,
      traceHeader: one(h[TRACE_HEADER]),
    });
    if (x === undefined) return undefined;
    const exchange = x;
    if (exchange.answer !== undefined && !res.headersSent) res.setHeader("X-Amzn-Trace-Id", exchange.answer);
    // Node emits both finish and close on a completed response; finish comes first and wins.
    res.once("finish", () => exchange.finish(res.statusCode, contentLength(res.getHeader("content-length"))));
    res.once("close", () => exchange.finish(res.headersSent ? res.statusCode : undefined, undefined));
    return exchange;
  } catch {
    x?.finish(undefined, undefined);
    return undefined;
  }
}

/**
 * Wraps a request listener for `http.createServer` / `https.createServer` (or `server.on("request")`).
 * Each request gets a segment named `options.name`, joined to its `X-Amzn-Trace-Id` or a new trace,
 * sampled by the tracer's strategy on Host, method and path. The listener gets the same `req`,
 * `res` and `this`; what it throws or rejects with is recorded and passed on unchanged.
 *
 * @example
 * http.createServer(traceRequestListener((req, res) => res.end("ok"), { name: "checkout" })).listen(8080);
 */
export function traceRequestListener<Req extends IncomingMessage, Res extends ServerResponse>(
  listener: (req: Req, res: Res) => unknown,
  options?: HttpTracingOptions,
): (req: Req, res: Res) => any {
  if (typeof listener !== "function")
    throw new TypeError(`xray-edge: traceRequestListener: expected a listener function, got ${typeof listener}`);
  const r = resolveOptions("traceRequestListener", options);
  if (!settings().enabled) return listener;
  const inner = listener as Listener<Req, Res>;
  return function tracedListener(this: unknown, req: Req, res: Res) {
    const x = openExchange(r, req, res);
    if (x === undefined) return inner.call(this, req, res);
    return runTraced(x, () => inner.call(this, req, res));
  };
}
