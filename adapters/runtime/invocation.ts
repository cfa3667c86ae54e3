/**
 * One invocation, from the event to its answer: the trace header made safe, `_X_AMZN_TRACE_ID`
 * (one invocation at a time only), the InvokeStore's values around the handler, the context, and
 * the result posted as JSON, or streamed (stream.ts) for a streaming handler, or the error with its
 * X-Ray cause. Several run at once under AWS_LAMBDA_MAX_CONCURRENCY, each with its own values.
 */
import { propagatable } from "../../core/header.ts";
import { formatTraceHeader, parseTraceHeader } from "../host/index.ts";
import type { Answer, Invocation, RuntimeApi } from "./api.ts";
import { buildContext } from "./context.ts";
import { errorDocument, RuntimeError, xrayErrorCause } from "./errors.ts";
import { cwd, setEnv, type Env } from "./host.ts";
import { invokeValues, type InvokeStore } from "./invoke-store.ts";
import type { OpenResponseStream, StreamedResponse } from "./stream.ts";

type Handler = (...args: any[]) => unknown;

/** An invocation in progress, for reporting a fault (runtime.ts) until it is answered. */
export interface Current {
  requestId: string;
  answered: boolean;
  /** A streaming handler's response, once opened. */
  stream?: StreamedResponse;
}

/** What every invocation of a process shares. */
export interface Served {
  api: RuntimeApi;
  handler: Handler;
  env: Env;
  store: InvokeStore;
  /** Under AWS_LAMBDA_MAX_CONCURRENCY: `_X_AMZN_TRACE_ID`, a process global, is left alone. */
  concurrent: boolean;
  /** Set for a streaming handler. */
  openStream?: OpenResponseStream;
  highWaterMark?: number;
  inFlight: Set<Current>;
}

export const say = (message: string) => {
  try {
    console.error(`[xray-edge runtime] ${message}`);
  } catch {
    // nowhere to say it
  }
};

/** Says a refused post (400, 403, 413); the runtime goes on to the next invocation. */
export function report(what: string, answer: Answer): void {
  if (answer.status < 200 || answer.status > 299)
    say(`the Runtime API refused the ${what} with ${answer.status}: ${answer.text.slice(0, 500)}`);
}

/**
 * The invocation's trace header as the handler gets it (`_X_AMZN_TRACE_ID`, InvokeStore,
 * `context.xRayTraceId`). It comes from whatever triggered the invocation (an SQS attribute can
 * carry anything), and the handler's clients send it on: it is given as formatTraceHeader writes
 * it (README "Trace headers"). One without a valid Root is kept only when it could be sent as it
 * is, so that traceHandler still says it is malformed; else there is none.
 */
export function traceHeaderOf(header: string | null): string | undefined {
  if (!header) return undefined;
  const parsed = parseTraceHeader(header);
  if (parsed) return formatTraceHeader(parsed);
  return propagatable(header) ? header : undefined;
}

/**
 * Runs a handler as Lambda's Node runtime does: one of three or more parameters takes a callback
 * (the callback or the returned promise, whichever settles first); otherwise its return value,
 * awaited, is the result. (A traceHandler wrapper takes two and returns a promise.)
 */
function call(handler: Handler, event: unknown, context: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, result?: unknown, failed = error !== undefined && error !== null) => {
      if (settled) return;
      settled = true;
      if (failed) reject(error);
      else resolve(result);
    };
    try {
      if (handler.length >= 3) {
        const returned = handler(event, context, (error?: unknown, result?: unknown) => settle(error, result)) as
          | PromiseLike<unknown>
          | undefined;
        if (typeof returned?.then === "function")
          returned.then(
            (v) => settle(null, v),
            (e) => settle(e, undefined, true),
          );
      } else {
        Promise.resolve(handler(event, context)).then(
          (v) => settle(null, v),
          (e) => settle(e, undefined, true),
        );
      }
    } catch (error) {
      settle(error, undefined, true);
    }
  });
}

function parseEvent(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new RuntimeError("Runtime.InvalidEventPayload", `the invocation's event is not JSON: ${(error as Error).message}`);
  }
}

/** The response body: the result as JSON (undefined as null). */
function serialize(result: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(result === undefined ? null : result);
  } catch (error) {
    throw new RuntimeError("Runtime.JSONStringifyError", `the handler's result cannot be turned into JSON: ${(error as Error).message}`);
  }
  return json ?? "null";
}

/**
 * Keeps the process alive while a handler runs. Node, Bun and Deno end a process that has nothing
 * left to wait for, and during an invocation the loop may wait on no request: a handler whose
 * promise never settles would end as Runtime.ExitError. On Lambda it runs until its deadline, and
 * Lambda (here, the emulator) reports the timeout; the deadline is Lambda's to enforce.
 */
function keepAlive(): () => void {
  const timer = setInterval(() => {}, 1 << 30);
  return () => clearInterval(timer);
}

const described = (error: unknown): string => {
  const d = errorDocument(error);
  return d.stackTrace.length > 0 ? d.stackTrace.join("\n") : `${d.errorType}: ${d.errorMessage}`;
};

/** Posts the invocation's error, unless a fault (runtime.ts) answered it already. */
async function fail(served: Served, current: Current, error: unknown): Promise<void> {
  if (current.answered) return;
  current.answered = true;
  say(`invocation ${current.requestId} failed: ${described(error)}`);
  const answer = await served.api.fail(current.requestId, errorDocument(error), xrayErrorCause(error, cwd()));
  report(`error of invocation ${current.requestId}`, answer);
}

export async function invocation(served: Served, next: Invocation): Promise<void> {
  const current: Current = { requestId: next.requestId, answered: false };
  served.inFlight.add(current);
  const header = traceHeaderOf(next.headers.get("Lambda-Runtime-Trace-Id"));
  if (!served.concurrent) setEnv("_X_AMZN_TRACE_ID", header);
  const release = keepAlive();
  try {
    if (served.openStream) await streamed(served, next, current, header, served.openStream);
    else await buffered(served, next, current, header);
  } finally {
    release();
    served.inFlight.delete(current);
  }
}

async function buffered(served: Served, next: Invocation, current: Current, header: string | undefined): Promise<void> {
  let json: string;
  try {
    const event = parseEvent(next.body);
    const context = buildContext(next.requestId, next.headers, served.env, header);
    const result = await served.store.runInvocation(invokeValues(next.requestId, header), () => call(served.handler, event, context));
    json = serialize(result);
  } catch (error) {
    return fail(served, current, error);
  }
  if (current.answered) return;
  current.answered = true;
  report(`response of invocation ${next.requestId}`, await served.api.respond(next.requestId, json));
}

/**
 * A streaming handler `(event, responseStream, context)`: what it writes goes out as it writes
 * it. Its promise settling does not end the response, its stream's end does (a pipeline may still
 * be writing), as on Lambda; a rejection ends it with the error in the trailers. A handler that
 * never ends its stream runs to the deadline.
 */
async function streamed(
  served: Served,
  next: Invocation,
  current: Current,
  header: string | undefined,
  open: OpenResponseStream,
): Promise<void> {
  let event: unknown;
  let context: ReturnType<typeof buildContext>;
  try {
    event = parseEvent(next.body);
    context = buildContext(next.requestId, next.headers, served.env, header);
  } catch (error) {
    return fail(served, current, error);
  }
  const response = open(served.api.responseUrl(next.requestId), served.highWaterMark);
  current.stream = response;
  try {
    await served.store.runInvocation(
      invokeValues(next.requestId, header),
      () => new Promise((resolve) => resolve(served.handler(event, response.stream, context))),
    );
  } catch (error) {
    if (!current.answered) {
      say(`invocation ${next.requestId} failed: ${described(error)}`);
      if (!response.fail(error)) say(`invocation ${next.requestId}: the error came after its response stream ended; the response stands`);
    }
  }
  // A fault (runtime.ts) that failed the stream reports its answer itself.
  const answer = await response.answer;
  if (current.answered) return;
  current.answered = true;
  report(`streamed response of invocation ${next.requestId}`, answer);
}
