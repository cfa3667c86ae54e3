/**
 * @module xray-edge/powertools/middleware: `captureLambdaHandler(tracer, options?)`, Powertools
 * Tracer's middy middleware: each invocation in a `## <_HANDLER>` subsegment with the ColdStart and
 * Service annotations, the response as metadata, an error recorded, sent before middy returns.
 * The segments are kept per request (`request.internal`) and per invocation, so concurrent
 * invocations never share them. Holds no code of the Tracer's: it asks the tracer given.
 */
import type { Tracer } from "./tracer.ts";
import type { CaptureLambdaHandlerOptions } from "./options.ts";

/** middy's middleware object. */
export interface MiddlewareLikeObj {
  before: (request: any) => unknown;
  after: (request: any) => unknown;
  onError: (request: any) => unknown;
}

/**
 * @example
 * export const handler = middy(lambdaHandler).use(captureLambdaHandler(tracer));
 */
export function captureLambdaHandler(target: Tracer, options?: CaptureLambdaHandlerOptions): MiddlewareLikeObj {
  let make: unknown;
  try {
    make = (target as { _middleware?: unknown } | null | undefined)?._middleware;
  } catch {
    make = undefined;
  }
  if (typeof make !== "function")
    throw new TypeError("captureLambdaHandler: expected a Tracer from xray-edge/powertools as its first argument");
  return (make as Tracer["_middleware"]).call(target, options);
}

export type { CaptureLambdaHandlerOptions } from "./options.ts";
