/**
 * `startRuntime`: a Lambda custom runtime over the Runtime API, written against fetch and web APIs
 * only, so that one bundle runs the same on Node, Bun and Deno. At init it loads the handler and
 * wraps it once with `traceHandler`; then, one invocation at a time, it takes the next event,
 * sets `_X_AMZN_TRACE_ID` from its trace header (or removes it), runs the traced handler with a
 * context like Node's, and posts the result or the error with its X-Ray cause.
 */
import { traceHandler } from "../lambda/handler.ts";
import { envValue } from "../context/settings.ts";
import { RuntimeApi, RuntimeApiFailure, type Answer, type Invocation } from "./api.ts";
import { buildContext } from "./context.ts";
import { errorDocument, RuntimeError, xrayErrorCause } from "./errors.ts";
import { cwd, exit, processEnv, setEnv, type Env } from "./host.ts";
import { loadHandler } from "./load.ts";

export interface RuntimeOptions {
  /** The Runtime API's `host:port`. Default: AWS_LAMBDA_RUNTIME_API. */
  runtimeApi?: string;
  /** `file.export` (e.g. "index.handler", "src/app.handler"). Default: _HANDLER. */
  handler?: string;
  /** Where the handler's file is. Default: LAMBDA_TASK_ROOT, else the working directory. */
  taskRoot?: string;
}

type Handler = (...args: any[]) => unknown;

const say = (message: string) => {
  try {
    console.error(`[xray-edge runtime] ${message}`);
  } catch {
    // nowhere to say it
  }
};

/**
 * Runs the function: loads the handler, then serves invocations until the process is stopped.
 * Never settles and never rejects: a failure at init is posted to /runtime/init/error, and a
 * Runtime API that fails is said on stderr; both end the process with exit code 1.
 *
 * @example
 * // bootstrap.ts, run by the layer's bootstrap under node, bun or deno
 * import { startRuntime } from "xray-edge/runtime";
 * startRuntime();
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<never> {
  try {
    const env = processEnv();
    const address = options.runtimeApi ?? envValue(env, "AWS_LAMBDA_RUNTIME_API");
    if (address === undefined)
      throw new RuntimeApiFailure(
        "AWS_LAMBDA_RUNTIME_API is not set: startRuntime runs as a custom runtime's bootstrap, inside Lambda or under an emulator",
      );
    const api = new RuntimeApi(address);
    const handler = await init(api, options, env);
    for (;;) await invocation(api, handler, await api.next(), env);
  } catch (error) {
    say(
      error instanceof RuntimeApiFailure
        ? `the Runtime API failed, exiting: ${error.message}`
        : `stopped by an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return exit(1);
  }
}

/** The traced handler; or the failure posted to /runtime/init/error and the process ended. */
async function init(api: RuntimeApi, options: RuntimeOptions, env: Env): Promise<Handler> {
  const name = options.handler ?? envValue(env, "_HANDLER") ?? "";
  try {
    const taskRoot = options.taskRoot ?? envValue(env, "LAMBDA_TASK_ROOT") ?? cwd();
    const handler = await loadHandler(taskRoot, name);
    return traceHandler(handler, { name });
  } catch (error) {
    const document = errorDocument(error);
    say(`init failed: ${document.errorType}: ${document.errorMessage}`);
    report("init error", await api.initError(document));
    return exit(1);
  }
}

/** Says a refused post (400, 403, 413); the runtime goes on to the next invocation. */
function report(what: string, answer: Answer): void {
  if (answer.status < 200 || answer.status > 299)
    say(`the Runtime API refused the ${what} with ${answer.status}: ${answer.text.slice(0, 500)}`);
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

async function invocation(api: RuntimeApi, handler: Handler, next: Invocation, env: Env): Promise<void> {
  setEnv("_X_AMZN_TRACE_ID", next.headers.get("Lambda-Runtime-Trace-Id") || undefined);
  let json: string;
  try {
    const event = parseEvent(next.body);
    const context = buildContext(next.requestId, next.headers, env);
    json = serialize(await call(handler, event, context));
  } catch (error) {
    const document = errorDocument(error);
    say(
      `invocation ${next.requestId} failed: ${document.stackTrace.length > 0 ? document.stackTrace.join("\n") : `${document.errorType}: ${document.errorMessage}`}`,
    );
    report(`error of invocation ${next.requestId}`, await api.fail(next.requestId, document, xrayErrorCause(error, cwd())));
    return;
  }
  report(`response of invocation ${next.requestId}`, await api.respond(next.requestId, json));
}
