/**
 * `traceFetchHandler(handler, options?)`: a fetch-style handler, `(request, ...rest) => Response`,
 * as `Bun.serve`, `Deno.serve`, Hono and workerd take it, whose every request is a segment,
 * current for the handler's awaits and closed when the handler's Response is ready (or it throws,
 * or the client aborts first).
 */
import { settings } from "../context/storage.ts";
import { serveTraced } from "./fetch-exchange.ts";
import { type HttpTracingOptions, resolveOptions } from "./options.ts";

/**
 * Wraps a fetch-style handler. Each request gets a segment named `options.name`, joined to its
 * `X-Amzn-Trace-Id` or a new trace, sampled by the tracer's strategy on Host, method and path.
 * The handler gets the same arguments; its Response is returned as it is (with the
 * `X-Amzn-Trace-Id` answer when the caller sent `Sampled=?`); what it throws or rejects with is
 * recorded and passed on unchanged to the server's error handling.
 *
 * @example
 * Bun.serve({ fetch: traceFetchHandler((request) => new Response("ok"), { name: "checkout" }) });
 * Deno.serve(traceFetchHandler(app.fetch, { name: "checkout" }));
 */
export function traceFetchHandler<A extends unknown[], R extends Response | PromiseLike<Response>>(
  handler: (request: Request, ...rest: A) => R,
  options?: HttpTracingOptions,
): (request: Request, ...rest: A) => R {
  if (typeof handler !== "function")
    throw new TypeError(`xray-edge: traceFetchHandler: expected a handler function, got ${typeof handler}`);
  const r = resolveOptions("traceFetchHandler", options);
  if (!settings().enabled) return handler;
  return function tracedHandler(this: unknown, request: Request, ...rest: A): R {
    return serveTraced(r, handler, this, request, rest);
  };
}
