/**
 * `startRuntime`: a Lambda custom runtime over the Runtime API, written against fetch and web APIs
 * (node:http only to stream a response, stream.ts), so that one bundle runs the same on Node, Bun
 * and Deno. At init it loads the handler and wraps it once with `traceHandler` (unless it is traced
 * already); then it takes the next event and runs it (invocation.ts): one at a time, or, with
 * AWS_LAMBDA_MAX_CONCURRENCY=N, N at once, each in its own InvokeStore context. An exception or a
 * rejection that escapes the handler's code is reported as Lambda's Node runtime reports it
 * (faults.ts), and ends the process as that runtime does.
 */
import { envValue } from "../context/settings.ts";
import { loadSettings, registry } from "../context/storage.ts";
import { traceHandler } from "../lambda/handler.ts";
import { loadHandlerSettings } from "../lambda/settings.ts";
import { RuntimeApi, RuntimeApiFailure, type RuntimeFetch } from "./api.ts";
import { highWaterMark, installAwsLambda, isStreaming } from "./awslambda.ts";
import { maxConcurrency } from "./concurrency.ts";
import { errorDocument, xrayErrorCause } from "./errors.ts";
import { FAULT_EXIT_CODES, onFaults, type FaultKind } from "./faults.ts";
import { cwd, exit, processEnv, type Env } from "./host.ts";
import { invocation, report, say, type Current, type Served } from "./invocation.ts";
import { InvokeStore, type AsyncLocalStorageClass } from "./invoke-store.ts";
import { loadHandler } from "./load.ts";
import { isNode, nodeTransport } from "./node-transport.ts";
import { loadResponseStreams } from "./stream.ts";

export interface RuntimeOptions {
  /** The Runtime API's `host:port`. Default: AWS_LAMBDA_RUNTIME_API. */
  runtimeApi?: string;
  /** `file.export` (e.g. "index.handler", "src/app.handler"). Default: _HANDLER. */
  handler?: string;
  /** Where the handler's file is. Default: LAMBDA_TASK_ROOT, else the working directory. */
  taskRoot?: string;
  /**
   * The fetch the loop calls the Runtime API with. Default: on Node, node:http in fetch's shape
   * (node-transport.ts: Node's fetch cost the loop three times the CPU); elsewhere globalThis.fetch
   * as it was when this module loaded. (A streamed response goes over node:http: fetch cannot send
   * trailers.)
   */
  fetch?: typeof globalThis.fetch | RuntimeFetch;
}

/** Where the loop is, for reporting a fault: before the first invocation, or in some (until answered). */
interface LoopState {
  initDone: boolean;
  inFlight: Set<Current>;
  faulted: boolean;
}

/** Put on a handler traced already (traceHandler's wrappers, the Powertools drop-in's): not wrapped again. */
const TRACED = Symbol.for("xray-edge.traced");

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
    // Found before the handler's module loads (init), as the fetch api.ts keeps.
    const api = new RuntimeApi(address, (options.fetch as RuntimeFetch | undefined) ?? (isNode ? await nodeTransport() : undefined));
    const state: LoopState = { initDone: false, inFlight: new Set(), faulted: false };
    // Before the handler's module loads, as Lambda's Node runtime does: its import can fault too.
    onFaults((kind, error) => void reportFault(api, state, kind, error));
    const { served, workers } = await init(api, options, env, state);
    state.initDone = true;
    // Each worker keeps one `/next` open; the first Runtime API failure ends the process.
    await Promise.race(Array.from({ length: workers }, () => serve(served, state)));
    throw new RuntimeApiFailure("the invocation loop ended");
  } catch (error) {
    say(
      error instanceof RuntimeApiFailure
        ? `the Runtime API failed, exiting: ${error.message}`
        : `stopped by an unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    return exit(1);
  }
}

/** Asks for an event, runs it to its answer, and again. */
async function serve(served: Served, state: LoopState): Promise<never> {
  for (;;) {
    // After a fault the process is on its way out: asking for an event would take one it cannot serve.
    if (state.faulted) await new Promise<never>(() => {});
    await invocation(served, await served.api.next());
  }
}

/**
 * The traced handler and how to serve it; or the failure posted to /runtime/init/error and the
 * process ended. The settings are checked first (a malformed one is this init's error, posted like
 * any other, and no invocation throws for it), then `awslambda` is set up, then the module loads.
 */
async function init(api: RuntimeApi, options: RuntimeOptions, env: Env, state: LoopState): Promise<{ served: Served; workers: number }> {
  const name = options.handler ?? envValue(env, "_HANDLER") ?? "";
  try {
    loadSettings();
    loadHandlerSettings();
    const concurrency = maxConcurrency(env);
    // Under concurrency each invocation's InvokeStore values follow its own async flow.
    const Storage =
      concurrency === undefined ? undefined : ((await import("node:async_hooks")).AsyncLocalStorage as unknown as AsyncLocalStorageClass);
    const store = new InvokeStore(Storage ? new Storage() : undefined);
    installAwsLambda(env, store);
    const taskRoot = options.taskRoot ?? envValue(env, "LAMBDA_TASK_ROOT") ?? cwd();
    const loaded = await loadHandler(taskRoot, name);
    const streaming = isStreaming(loaded);
    // Traced already, or its module traces with the sdk-core drop-in, which (as aws-xray-sdk-core
    // on Lambda) records from the invocation's header with no wrapper: not wrapped again.
    const handler = TRACED in loaded || registry().wrapperless !== undefined ? loaded : traceHandler(loaded, { name });
    const served: Served = { api, handler, env, store, concurrent: concurrency !== undefined, inFlight: state.inFlight };
    if (streaming) {
      served.openStream = await loadResponseStreams();
      const hwm = highWaterMark(loaded);
      if (hwm !== undefined) served.highWaterMark = hwm;
    }
    return { served, workers: concurrency ?? 1 };
  } catch (error) {
    const document = errorDocument(error);
    say(`init failed: ${document.errorType}: ${document.errorMessage}`);
    report("init error", await api.initError(document));
    return exit(1);
  }
}

/**
 * Posts a fault for every invocation in progress (or, before the first, as the init error), then
 * exits with Lambda's code for it: the process is on its way out, and each of them ends with it. A
 * streamed response still open ends with the fault in its trailers. One fault is reported.
 */
async function reportFault(api: RuntimeApi, state: LoopState, kind: FaultKind, error: unknown): Promise<void> {
  if (state.faulted) return;
  state.faulted = true;
  try {
    const document = errorDocument(error);
    const what = kind === "unhandledRejection" ? "Unhandled Promise Rejection" : "Uncaught Exception";
    say(`${what}: ${document.stackTrace.length > 0 ? document.stackTrace.join("\n") : `${document.errorType}: ${document.errorMessage}`}`);
    if (!state.initDone) report("init error", await api.initError(document));
    else {
      const cause = xrayErrorCause(error, cwd());
      const posts = [...state.inFlight]
        .filter((current) => !current.answered)
        .map(async (current) => {
          current.answered = true;
          const post = `error of invocation ${current.requestId}`;
          if (current.stream === undefined) report(post, await api.fail(current.requestId, document, cause));
          else if (current.stream.fail(error)) report(post, await current.stream.answer);
        });
      await Promise.all(posts);
    }
  } catch (failure) {
    say(`the ${kind} could not be reported: ${failure instanceof Error ? failure.message : String(failure)}`);
  }
  exit(FAULT_EXIT_CODES[kind]);
}
