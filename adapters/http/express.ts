/**
 * Express's pair, under aws-xray-sdk-express's names: `app.use(openSegment("name"))` first,
 * routes, then `app.use(closeSegment())`. The segment is current for everything after
 * openSegment (the rest of the chain runs inside it) and closes when the response finishes or the
 * connection closes; closeSegment records an error passed to `next(err)` and passes it on.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Segment } from "../host/index.ts";
import { settings } from "../context/storage.ts";
import { type HttpTracingOptions, resolveOptions } from "./options.ts";
import { openExchange } from "./node.ts";
import { type Exchange, runTraced } from "./record.ts";

type Next = (error?: unknown) => void;

/** Where the request's exchange is kept between the two middlewares (not enumerable: invisible to code that walks req). */
const EXCHANGE = Symbol.for("xray-edge.http.exchange");

type Traced = IncomingMessage & { segment?: Segment; [EXCHANGE]?: Exchange };

/**
 * Middleware that begins the request's segment (see traceRequestListener) and runs the rest of the
 * chain with it current. Sets `req.segment`, as aws-xray-sdk-express does, for explicit parents.
 *
 * @example
 * app.use(openSegment("checkout"));
 * app.get("/", handler);
 * app.use(closeSegment());
 */
export function openSegment(
  name: string,
  options?: Omit<HttpTracingOptions, "name">,
): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  if (typeof name !== "string" || name === "")
    throw new TypeError(`xray-edge: openSegment: expected a segment name (a non-empty string), got ${name === "" ? '""' : typeof name}`);
  if (options !== undefined && (typeof options !== "object" || options === null))
    throw new TypeError('xray-edge: openSegment: option "options" must be an object');
  const r = resolveOptions("openSegment", { ...options, name });
  const enabled = settings().enabled;
  return function open(req: Traced, res: ServerResponse, next: Next): void {
    const x = enabled ? openExchange(r, req, res) : undefined;
    if (x === undefined) return next();
    try {
      Object.defineProperty(req, EXCHANGE, { value: x, configurable: true });
      req.segment = x.segment;
    } catch {
      // a frozen req: closeSegment finds nothing to record on, the segment still closes
    }
    // next() throws only what a synchronous middleware threw through Express (its router catches
    // its own): recorded and rethrown by runTraced, as it would reach the caller without tracing.
    runTraced(x, () => next());
  };
}

/**
 * Error-handling middleware: records the error passed to `next(err)` on the request's segment
 * (cause and fault), then passes it on unchanged to the next error handler (Express's own sends
 * the 500). The segment itself closes with the response.
 */
export function closeSegment(): (error: unknown, req: IncomingMessage, res: ServerResponse, next: Next) => void {
  return function close(error: unknown, req: Traced, _res: ServerResponse, next: Next): void {
    if (error !== undefined && error !== null) {
      try {
        req[EXCHANGE]?.fail(error);
      } catch {
        // never throws into the chain
      }
    }
    next(error);
  };
}
