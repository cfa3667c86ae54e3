/**
 * The `awslambda` global of Lambda's Node runtime (read in aws-lambda-nodejs-runtime-interface-
 * client: src/UserFunction.js sets it before the handler's module loads, src/HttpResponseStream.js):
 *
 * - `streamifyResponse(handler, { highWaterMark })` marks a handler `(event, responseStream,
 *   context)` as response-streaming, with Lambda's registered symbols (which traceHandler copies
 *   onto its wrapper, adapters/lambda/handler.ts);
 * - `HttpResponseStream.from(stream, { statusCode, headers, cookies })` makes the stream carry a
 *   Function URL's HTTP response: content type `application/vnd.awslambda.http-integration-response`,
 *   then the prelude as JSON and 8 NUL bytes before the body;
 * - `InvokeStore` (invoke-store.ts).
 *
 * As there, AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA=1 (or true) leaves the global alone.
 */
import type { InvokeStore } from "./invoke-store.ts";
import { RuntimeError } from "./errors.ts";
import { envValue } from "../context/settings.ts";
import type { Env } from "./host.ts";

export const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");
export const HIGH_WATER_MARK = Symbol.for("aws.lambda.runtime.handler.streaming.highWaterMark");
/** The one streaming mode there is: the value of the STREAMING mark. */
export const STREAM_RESPONSE = "response";

export const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
/** The prelude's JSON (which has no NUL) and the body are separated by this many NUL bytes. */
export const PRELUDE_DELIMITER_BYTES = 8;

type Handler = (...args: any[]) => unknown;

/** What HttpResponseStream.from needs of a stream: the runtime's ResponseStream has both. */
interface PreludeTarget {
  setContentType(type: string): void;
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
}

export function streamifyResponse<H extends Handler>(handler: H, options?: { highWaterMark?: unknown }): H {
  (handler as unknown as Record<symbol, unknown>)[STREAMING] = STREAM_RESPONSE;
  if (typeof options?.highWaterMark === "number")
    (handler as unknown as Record<symbol, unknown>)[HIGH_WATER_MARK] = Number.parseInt(String(options.highWaterMark), 10);
  return handler;
}

// biome-ignore lint/complexity/noStaticOnlyClass: Lambda names it a class, and handlers call HttpResponseStream.from
export class HttpResponseStream {
  static from<S extends PreludeTarget>(stream: S, prelude: unknown): S {
    stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
    const json = JSON.stringify(prelude);
    stream._onBeforeFirstWrite = (write) => {
      write(json);
      write(new Uint8Array(PRELUDE_DELIMITER_BYTES));
    };
    return stream;
  }
}

/** Whether `handler` streams its response; a STREAMING mark other than "response" is an init error, as on Lambda. */
export function isStreaming(handler: Handler): boolean {
  const mark = (handler as unknown as Record<symbol, unknown>)[STREAMING];
  if (mark === undefined || mark === null || mark === false) return false;
  if (mark === STREAM_RESPONSE) return true;
  throw new RuntimeError("Runtime.MalformedStreamingHandler", "Only response streaming is supported.");
}

/** The highWaterMark streamifyResponse recorded, in bytes, when it is a usable one. */
export function highWaterMark(handler: Handler): number | undefined {
  const value = Number((handler as unknown as Record<symbol, unknown>)[HIGH_WATER_MARK]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Puts streamifyResponse, HttpResponseStream and InvokeStore on `globalThis.awslambda` before the
 * handler's module loads. InvokeStore is always the runtime's own: it is the one that runs the
 * invocations (a copy of the package bundled in the function finds it there and uses it).
 */
export function installAwsLambda(env: Env, store: InvokeStore): void {
  const opt = envValue(env, "AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA");
  if (opt === "1" || opt?.toLowerCase() === "true") return;
  const g = globalThis as { awslambda?: Record<string, unknown> };
  const awslambda = (g.awslambda ??= {});
  awslambda.streamifyResponse ??= streamifyResponse;
  awslambda.HttpResponseStream ??= HttpResponseStream;
  awslambda.InvokeStore = store;
}
