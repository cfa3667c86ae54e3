/**
 * `startRuntime`: a Lambda custom runtime over the Runtime API, written against fetch and web APIs
 * only, so that one bundle runs the same on Node, Bun and Deno. At init it loads the handler and
 * wraps it once with `traceHandler`; then, one invocation at a time, it takes the next event,
 * sets `_X_AMZN_TRACE_ID` from its trace header (or removes it), runs the traced handler with a
 * context like Node's, and posts the result or the error with its X-Ray cause. An exception or a
 * rejection that escapes the handler's code is reported as Lambda's Node runtime reports it
 * (faults.ts), and ends the process as that runtime does.
 */
import { propagatable } from "../../core/header.ts";
import { formatTraceHeader, parseTraceHeader } from "../host/index.ts";
import { traceHandler } from "../lambda/handler.ts";
import { envValue } from "../context/settings.ts";
import { loadSettings } from "../context/storage.ts";
import { loadHandlerSettings } from "../lambda/settings.ts";
import { RuntimeApi, RuntimeApiFailure, type Answer, type Invocation } from "./api.ts";
import { buildContext } from "./context.ts";
import { errorDocument, RuntimeError, xrayErrorCause } from "./errors.ts";
import { FAULT_EXIT_CODES, onFaults, type FaultKind } from "./faults.ts";
import { cwd, exit, processEnv, setEnv, type Env } from "./host.ts";
import { loadHandler } from "./load.ts";

export interface RuntimeOptions {
  /** The Runtime API's `host:port`. Default: AWS_LAMBDA_RUNTIME_API. */
  runtimeApi?: string;
  /** `file.export` (e.g. "index.handler", "src/app.handler"). Default: _HANDLER. */
  handler?: string;
  /** Where the handler's file is. Default: LAMBDA_TASK_ROOT, else the working directory. */
  taskRoot?: string;
  /** The fetch the loop calls the Runtime API with. Default: globalThis.fetch as it was when this module loaded. */
  fetch?: typeof globalThis.fetch;
}

/** Where the loop is, for reporting a fault: before the first invocation, or in one (until it is answered). */
interface LoopState {
  initDone: boolean;
  current?: { requestId: string; answered: boolean };
  faulted: boolean;
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
    const api = new RuntimeApi(address, options.fetch);
    const state: LoopState = { initDone: false, faulted: false };
    // Before the handler's module loads, as Lambda's Node runtime does: its import can fault too.
    onFaults((kind, error) => void reportFault(api, state, kind, error));
    const handler = await init(api, options, env);
    for (;;) {
      // After a fault the process is on its way out: asking for an event would take one it cannot serve.
      if (state.faulted) await new Promise<never>(() => {});
      state.initDone = true;
      await invocation(api, handler, await api.next(), env, state);
    }
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
    // The tracing settings are checked first, as importing xray-edge/lambda checks them: a
    // malformed one is this init's error, posted like any other, and no invocation throws for it.
    loadSettings();
    loadHandlerSettings();
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

/**
 * Posts a fault for the invocation in progress (or, before the first, as the init error), then
 * exits with Lambda's code for it. One fault is reported: the process is on its way out.
 */
async function reportFault(api: RuntimeApi, state: LoopState, kind: FaultKind, error: unknown): Promise<void> {
  if (state.faulted) return;
  state.faulted = true;
  try {
    const document = errorDocument(error);
    const what = kind === "unhandledRejection" ? "Unhandled Promise Rejection" : "Uncaught Exception";
    say(`${what}: ${document.stackTrace.length > 0 ? document.stackTrace.join("\n") : `${document.errorType}: ${document.errorMessage}`}`);
    const current = state.current;
    if (!state.initDone) report("init error", await api.initError(document));
    else if (current !== undefined && !current.answered) {
      current.answered = true;
      report(`error of invocation ${current.requestId}`, await api.fail(current.requestId, document, xrayErrorCause(error, cwd())));
    }
  } catch (failure) {
    say(`the ${kind} could not be reported: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
  exit(FAULT_EXIT_CODES[kind]);
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

/**
 * Keeps the process alive while a handler runs. Node, Bun and Deno end a process that has nothing
 * left to wait for, and during an invocation the loop waits on no request: a handler whose promise
 * never settles would end as Runtime.ExitError. On Lambda it runs until its deadline, and Lambda
 * (here, the emulator) reports the timeout; the deadline is Lambda's to enforce, not the runtime's.
 */
function keepAlive(): () => void {
  const timer = setInterval(() => {}, 1 << 30);
  return () => clearInterval(timer);
}

/**
 * `_X_AMZN_TRACE_ID` for an invocation. The header comes from whatever triggered it (an SQS
 * attribute can carry anything), and the handler's clients send it on: it is set as
 * formatTraceHeader writes it (README "Trace headers"). One without a valid Root is kept only when
 * it could be sent as it is, so that traceHandler still says it is malformed; else it is removed.
 */
function traceEnv(header: string | null): string | undefined {
  if (!header) return undefined;
  const parsed = parseTraceHeader(header);
  if (parsed) return formatTraceHeader(parsed);
  return propagatable(header) ? header : undefined;
}

async function invocation(api: RuntimeApi, handler: Handler, next: Invocation, env: Env, state: LoopState): Promise<void> {
  const current = { requestId: next.requestId, answered: false };
  state.current = current;
  setEnv("_X_AMZN_TRACE_ID", traceEnv(next.headers.get("Lambda-Runtime-Trace-Id")));
  let json: string;
  const release = keepAlive();
  try {
    const event = parseEvent(next.body);
    const context = buildContext(next.requestId, next.headers, env);
    json = serialize(await call(handler, event, context));
  } catch (error) {
    release();
    // A fault (faults.ts) already answered it.
    if (current.answered) return;
    current.answered = true;
    const document = errorDocument(error);
    say(
      `invocation ${next.requestId} failed: ${document.stackTrace.length > 0 ? document.stackTrace.join("\n") : `${document.errorType}: ${document.errorMessage}`}`,
    );
    report(`error of invocation ${next.requestId}`, await api.fail(next.requestId, document, xrayErrorCause(error, cwd())));
    return;
  }
  release();
  if (current.answered) return;
  current.answered = true;
  report(`response of invocation ${next.requestId}`, await api.respond(next.requestId, json));
}
