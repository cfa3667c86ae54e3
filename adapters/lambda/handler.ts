/**
 * `traceHandler(handler, options?)`: wraps an async, callback-style or response-streaming Lambda
 * handler so that each invocation is traced (see invocation.ts). The environment's settings were
 * read and checked when xray-edge/lambda loaded (index.ts): nothing here throws for them.
 */
import { Tracer, type Emitter, type Logger } from "../host/index.ts";
import { createUdpEmitter } from "../udp/emitter.ts";
import { settings as loadedSettings } from "../context/storage.ts";
import { levelLogger, processEnv } from "../context/settings.ts";
import { handlerSettings } from "./settings.ts";
import { InvocationTracer } from "./invocation.ts";
import { checkMargin } from "./deadline.ts";
import { nodeMajor, refuseCallbackHandler } from "./callback.ts";

export interface TraceHandlerOptions {
  /** The subsegment is `## <name>`. Default: `_HANDLER` (e.g. "index.handler"), else the function's name. */
  name?: string;
  /** The `Service` annotation and the response's metadata namespace. Default: POWERTOOLS_SERVICE_NAME, AWS_XRAY_TRACING_NAME, AWS_LAMBDA_FUNCTION_NAME. */
  serviceName?: string;
  /** Record the handler's result as metadata. Default: POWERTOOLS_TRACER_CAPTURE_RESPONSE, else true. */
  captureResponse?: boolean;
  /** Record a thrown error as the cause (else only the fault flag). Default: POWERTOOLS_TRACER_CAPTURE_ERROR, else true. */
  captureError?: boolean;
  /** Treat `handler` as a response-streaming handler `(event, responseStream, context)` (detected when it is already streamified). */
  streaming?: boolean;
  /**
   * How long before the invocation's deadline (the context's getRemainingTimeInMillis) the handler's
   * subsegment is sent in progress, with every subsegment closed so far, so that a timeout still
   * leaves its trace. Default 250 (measured: see the README's "Lambda timeouts").
   */
  deadlineMarginMs?: number;
  /** Where documents go. Default: the X-Ray daemon over UDP at AWS_XRAY_DAEMON_ADDRESS. */
  emitter?: Emitter;
  /** Receives warnings. Default: console.warn, as AWS_XRAY_LOG_LEVEL allows. */
  logger?: Logger;
}

/** Put on every wrapper: a handler traced already (a module that exports `traceHandler(fn)`, run by
 * the custom runtime, which wraps what it loads) is returned as it is, not traced twice. */
const TRACED = Symbol.for("xray-edge.traced");

/** The marks `awslambda.streamifyResponse` puts on a streaming handler. */
const STREAMING = Symbol.for("aws.lambda.runtime.handler.streaming");

type AnyHandler = (...args: any[]) => any;
type Callback = (error?: unknown, result?: unknown) => void;
type AwsLambdaGlobal = { awslambda?: { streamifyResponse?: (h: AnyHandler, options?: unknown) => AnyHandler } };

/** One tracer (and socket) per emitter for the process: every traced handler shares the default. */
let defaultTracer: { tracer: Tracer; logger: Logger } | undefined;

/**
 * Wraps a Lambda handler so each invocation is traced: a `## <handler>` subsegment (ColdStart and
 * Service annotations, response as metadata, errors as the cause) sent before the result returns.
 * A callback-style handler throws Lambda's `Runtime.CallbackHandlerDeprecated` here where Lambda's
 * runtime refuses one (Node 24 and later; Managed Instances): see callback.ts.
 *
 * @example
 * export const handler = traceHandler(async (event) => {
 *   return captureAsync("load", () => load(event.id));
 * });
 */
export function traceHandler<H extends AnyHandler>(handler: H, options: TraceHandlerOptions = {}): H {
  if (typeof handler !== "function") throw new TypeError(`traceHandler: expected a handler function, got ${typeof handler}`);
  if (TRACED in handler) return handler;
  const deadlineMarginMs = checkMargin(options.deadlineMarginMs);
  const fromEnv = handlerSettings();
  const isStreaming = Boolean(options.streaming) || STREAMING in handler;
  // Where Lambda's runtime refuses callback handlers, so does the wrapper, tracing on or off (callback.ts).
  if (!isStreaming && handler.length >= 3) refuseCallbackHandler(fromEnv.concurrent, nodeMajor());
  const settings = loadedSettings();
  if (!settings.enabled) return handler;
  // Per invocation the header may be read from here (_X_AMZN_TRACE_ID, header.ts): data, not a setting.
  const env = processEnv();
  // The transport's failures are said through the tracer's logger, as everything else is.
  const udp = (l: Logger) => createUdpEmitter({ address: fromEnv.daemonAddress, logger: l });
  let tracer: Tracer, logger: Logger;
  if (options.emitter || options.logger) {
    logger = options.logger ?? levelLogger(settings.logLevel);
    tracer = new Tracer({ emitter: options.emitter ?? udp(logger), logger });
  } else {
    defaultTracer ??= ((l) => ({ tracer: new Tracer({ emitter: udp(l), logger: l }), logger: l }))(levelLogger(settings.logLevel));
    ({ tracer, logger } = defaultTracer);
  }
  const name = options.name ?? fromEnv.handler ?? (handler.name || "handler");
  const invocation = new InvocationTracer(
    tracer,
    {
      name,
      service: options.serviceName ?? fromEnv.service ?? name,
      captureResponse: options.captureResponse ?? fromEnv.captureResponse,
      captureError: options.captureError ?? fromEnv.captureError,
      deadlineMarginMs,
      concurrent: fromEnv.concurrent,
    },
    env,
    logger,
  );

  let wrapped: AnyHandler;
  if (isStreaming) wrapped = streaming(handler, invocation, options.streaming === true && !(STREAMING in handler));
  else if (handler.length >= 3)
    wrapped = (event: unknown, context: unknown) => invocation.invoke(() => callbackResult(handler, event, context), context);
  else wrapped = (event: unknown, context: unknown) => invocation.invoke(() => handler(event, context), context);
  Object.defineProperty(wrapped, TRACED, { value: true });
  return wrapped as H;
}

/**
 * A callback-style handler's outcome as a promise (Node 20, and Node 22 without Managed
 * Instances: elsewhere traceHandler refuses it, as Lambda does): the callback's, or the returned
 * promise's, whichever comes first (as Lambda's Node runtime does). The wrapper is an async
 * handler, so `context.callbackWaitsForEmptyEventLoop` no longer applies.
 */
function callbackResult(handler: AnyHandler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback: Callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    try {
      const r = handler(event, context, callback);
      if (r !== null && typeof r === "object" && typeof r.then === "function")
        r.then(
          (v: unknown) => callback(null, v),
          (e: unknown) => callback(e ?? new Error("rejected")),
        );
    } catch (error) {
      callback(error ?? new Error("thrown"));
    }
  });
}

/**
 * A response-streaming handler `(event, responseStream, context)`: traced until its promise
 * settles. Lambda's marks (the streaming symbol and its options) are copied to the wrapper; a
 * plain function marked by `options.streaming` is streamified here where `awslambda` exists.
 */
function streaming<H extends AnyHandler>(handler: H, invocation: InvocationTracer, streamify: boolean): H {
  const wrapped = async (event: unknown, responseStream: unknown, context: unknown) =>
    invocation.invoke(() => handler(event, responseStream, context), context);
  for (const key of Object.getOwnPropertySymbols(handler)) (wrapped as any)[key] = (handler as any)[key];
  if (!streamify) return wrapped as unknown as H;
  const streamifyResponse = (globalThis as AwsLambdaGlobal).awslambda?.streamifyResponse;
  if (streamifyResponse) return streamifyResponse(wrapped) as H;
  (wrapped as any)[STREAMING] = "response";
  return wrapped as unknown as H;
}
