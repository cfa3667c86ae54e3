/**
 * `startEmulator`: a local Lambda execution environment for one function. It serves the Runtime API,
 * starts the runtime process when an invocation needs one, hands it one event at a time and turns
 * what the runtime posts back (or fails to post) into an InvocationResult. The CLI, the tests, the
 * demo and the benchmarks all go through it.
 *
 * The lifecycle follows Lambda's:
 * - The runtime starts on the first invocation (a cold start); its first `next` ends its init,
 *   which may take up to `initTimeoutMs` (Lambda's 10 s).
 * - Each event gets a deadline of now + `timeoutMs` when the runtime receives it. Past it the
 *   runtime is killed and the invocation ends `timeout`; the next event gets a fresh runtime.
 * - `init/error`, an exit before the first `next` or an init timeout end every queued invocation as
 *   `init error`; the runtime is killed if it does not exit on its own, and a later invocation
 *   starts a new one (Lambda retries init the same way).
 * - A runtime that exits during an invocation ends it as `Runtime.ExitError`; one that exits
 *   between invocations is simply replaced.
 * - A runtime whose memory goes over `memoryMb` (memory.ts) is killed, and the invocation (or its
 *   init) ends as `Runtime.OutOfMemory`; each REPORT line gives Max Memory Used.
 * - With `concurrency` N (a Managed Instance's AWS_LAMBDA_MAX_CONCURRENCY, slots.ts), the runtime
 *   may hold up to N `next` requests open, and gets up to N events at once.
 * - A streamed response (streamed.ts) is read as it arrives, each chunk handed to `onChunk`.
 * Requests that do not fit that order get Lambda's answers: 400 for a request ID that is not an
 * invocation in progress, 403 for a call out of turn, 413 for a payload over 6 MB.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import { newRequestId, type Sampling } from "./ids.ts";
import {
  ACCEPTED_BODY,
  H_ERROR_TYPE,
  H_RESPONSE_MODE,
  H_XRAY_CAUSE,
  MAX_PAYLOAD_BYTES,
  MAX_STREAMED_BYTES,
  encodeEvent,
  errorBody,
  parseErrorRequest,
  type RuntimeError,
} from "./protocol.ts";
import { canMeasureMemory, guardMemory } from "./memory.ts";
import { describeExit, spawnRuntime, type ExitInfo } from "./runtime-process.ts";
import { header, readBody, sendJson, startRuntimeApi } from "./server.ts";
import { lambdaSegmentsFor } from "./lambda-segments.ts";
import { LambdaSampler, traceFields } from "./tracing.ts";
import { lambdaEnvironment } from "./environment.ts";
import { Slots, capacityFor, concurrencyEnv } from "./slots.ts";
import { readStreamed, streamedOutcome, type StreamedOutcome } from "./streamed.ts";
import { resolveSettings } from "./settings.ts";
import {
  invocationHeaders,
  invocationResult,
  nextHeaders,
  notBefore,
  reportLine,
  responseOutcome,
  round2,
  seconds,
  timedOut,
  tooLargeOutcome,
  type Pending,
  type Sandbox,
} from "./invocation.ts";
import type { Emulator, EmulatorOptions, InvocationResult, InvocationStatus, InvokeOptions } from "./types.ts";

export type { RuntimeError, Sampling };

export type { EmulatorOptions, InvokeOptions, InvocationStatus, InvocationResult, Emulator } from "./types.ts";
export { DEFAULT_TIMEOUT_MS, DEFAULT_INIT_TIMEOUT_MS } from "./types.ts";

/** A runtime that reported an init error gets this long to exit before it is killed. */
const INIT_ERROR_EXIT_GRACE_MS = 500;

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const settings = resolveSettings(options);
  const slots = new Slots(capacityFor(options.concurrency, settings.extra));
  const { timeoutMs, initTimeoutMs, memoryMb, taskRoot, arn } = settings;
  const writeLine = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const log = options.quiet ? () => {} : writeLine;
  // Lambda's part of the trace: the tracing decision and its own segments (tracing.ts, lambda-segments.ts).
  const sampler = options.sampler ?? new LambdaSampler();
  const lambdaSegments = lambdaSegmentsFor(options, settings, log);
  const measuresMemory = canMeasureMemory();
  if (!measuresMemory)
    log("xray-edge invoke: this system has no /proc to read the runtime's memory: --memory is neither enforced nor reported");

  const queue: Pending[] = [];
  let sandbox: Sandbox | undefined;
  let closed = false;
  /** Callers of idle() (see checkIdle). */
  let idleWaiters: Array<() => void> = [];

  const invalidRequestId = (res: ServerResponse): void =>
    sendJson(res, 400, errorBody("InvalidRequestID", "Invalid request ID: not the invocation in progress"));
  const outOfTurn = (res: ServerResponse, why: string): void => sendJson(res, 403, errorBody("InvalidStateTransition", why));

  function finish(p: Pending, outcome: StreamedOutcome): void {
    if (p.done) return;
    p.done = true;
    clearTimeout(p.timer);
    slots.end(p);
    const index = queue.indexOf(p);
    if (index >= 0) queue.splice(index, 1);
    const durationMs = round2(performance.now() - (p.deliveredAt ?? p.queuedAt));
    const result = invocationResult(p, outcome, durationMs);
    if (outcome.streamed) result.streamed = outcome.streamed;
    if (p.deliveredAt !== undefined) {
      lambdaSegments?.ended(p, outcome.status !== "success", outcome.error?.xrayErrorCause);
      const memory = p.sandbox?.memory;
      memory?.sample();
      const used = memory?.peakMb();
      if (used !== undefined) result.maxMemoryUsedMb = Math.min(used, memoryMb);
      log(`END RequestId: ${p.requestId}`);
      log(reportLine(p, outcome, durationMs, memoryMb, used));
    }
    p.resolve(result);
  }

  /** Ends every invocation not yet handed out (init failed: none of them can run). */
  function failQueued(error: RuntimeError, status: InvocationStatus = "init error"): void {
    for (const p of queue.slice()) finish(p, { status, error, initError: error });
  }

  function markInit(sb: Sandbox): void {
    if (sb.initDone) return;
    sb.initDone = true;
    sb.initDurationMs = round2(performance.now() - sb.spawnedAt);
  }

  function spawnSandbox(address: string): Sandbox {
    const proc = spawnRuntime({
      command: options.command,
      cwd: taskRoot,
      env: lambdaEnvironment(address, { ...settings, extra: { ...settings.extra, ...concurrencyEnv(options.concurrency) } }),
      onLine: (line) => log(`[runtime] ${line}`),
    });
    const sb: Sandbox = { proc, spawnedAt: performance.now(), initDone: false, servedAny: false, doomed: false, timers: [] };
    log(`xray-edge invoke: runtime started${proc.pid !== undefined ? ` (pid ${proc.pid})` : ""}: ${options.command.join(" ")}`);
    notBefore(
      sb.spawnedAt,
      initTimeoutMs,
      () => {
        if (sb.initDone || sb.doomed) return;
        sb.doomed = true;
        proc.kill();
        failQueued({ errorType: "Sandbox.Timedout", errorMessage: `Init timed out after ${seconds(initTimeoutMs)} seconds` });
      },
      (timer) => sb.timers.push(timer),
    );
    if (measuresMemory) guardMemory(sb, memoryMb, log);
    void proc.exited.then((info) => onExit(sb, info));
    return sb;
  }

  function onExit(sb: Sandbox, info: ExitInfo): void {
    for (const timer of sb.timers) clearTimeout(timer);
    sb.memory?.stop();
    lambdaSegments?.overheadEnded();
    if (sandbox !== sb) return;
    sandbox = undefined;
    // A `next` still parked came from this process (it is gone) or from nobody that can use it.
    slots.dropWaiters();
    if (closed) return;
    const reason = describeExit(info);
    log(`xray-edge invoke: runtime${sb.proc.pid !== undefined ? ` (pid ${sb.proc.pid})` : ""} ended: ${reason}`);
    // Lambda's words for a kill over the memory limit: the kernel's SIGKILL, typed Runtime.OutOfMemory.
    const errorType =
      sb.outOfMemoryMb !== undefined
        ? "Runtime.OutOfMemory"
        : info.spawnError !== undefined
          ? "Runtime.InvalidEntrypoint"
          : "Runtime.ExitError";
    const ended = slots.ofSandbox(sb);
    for (const p of ended) finish(p, { status: "error", error: { errorType, errorMessage: `RequestId: ${p.requestId} Error: ${reason}` } });
    if (ended.length === 0 && !sb.initDone && (!sb.doomed || sb.outOfMemoryMb !== undefined)) {
      failQueued({ errorType, errorMessage: reason });
    }
    pump();
    checkIdle();
  }

  function deliver(p: Pending, res: ServerResponse, sb: Sandbox): void {
    markInit(sb);
    slots.start(p);
    p.sandbox = sb;
    p.deliveredAt = performance.now();
    p.deadlineMs = Date.now() + timeoutMs;
    if (!sb.servedAny) {
      sb.servedAny = true;
      if (sb.initDurationMs !== undefined) p.initDurationMs = sb.initDurationMs;
    }
    log(`START RequestId: ${p.requestId} Version: $LATEST`);
    res.writeHead(200, nextHeaders(p, arn));
    res.end(p.body);
    notBefore(
      p.deliveredAt,
      timeoutMs,
      () => {
        if (p.done) return;
        sb.doomed = true;
        sb.proc.kill();
        finish(p, timedOut(p, timeoutMs));
      },
      (timer) => (p.timer = timer),
    );
  }

  /** Moves things along: starts a runtime when events wait, hands the next event to a waiting `next`. */
  function pump(): void {
    if (closed || queue.length === 0) return;
    sandbox ??= spawnSandbox(server.address);
    while (!sandbox.doomed && queue.length > 0) {
      const res = slots.takeWaiter();
      if (!res) return;
      deliver(queue.shift()!, res, sandbox);
    }
  }

  /**
   * Resolves idle() once nothing more will happen without a new event: the runtime waits for one
   * with none queued (it finished what it did after its last post, as Lambda sees it before it
   * freezes the process), or there is no runtime and nothing to start one for.
   */
  function checkIdle(): void {
    if (idleWaiters.length === 0 || slots.busy || queue.length > 0) return;
    if (!closed && sandbox && !sandbox.doomed && !slots.allWaiting(sandbox)) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function next(_req: IncomingMessage, res: ServerResponse): void {
    if (closed) return outOfTurn(res, "the emulator is closing");
    lambdaSegments?.overheadEnded();
    if (sandbox) markInit(sandbox);
    const refusal = slots.refuseNext();
    if (refusal !== undefined) return outOfTurn(res, refusal);
    // A runtime being stopped (after init/error) that asks again just waits here until it is gone.
    slots.park(res, sandbox);
    pump();
    checkIdle();
  }

  /** The invocation a response/error post names, or undefined after answering 400. */
  async function current(requestId: string, req: IncomingMessage, res: ServerResponse, limit: number) {
    const p = slots.inFlight.get(requestId);
    if (!p) {
      await readBody(req, 0);
      invalidRequestId(res);
      return undefined;
    }
    const body = await readBody(req, limit);
    // It may have timed out while the body was arriving.
    if (p.done) {
      invalidRequestId(res);
      return undefined;
    }
    if (body.tooLarge) return tooLarge(p, res, body.size, limit);
    return { p, text: body.bytes.toString("utf8") };
  }

  function tooLarge(p: Pending, res: ServerResponse, size: number, limit: number): undefined {
    sendJson(res, 413, errorBody("RequestEntityTooLarge", `Exceeded maximum allowed payload size (${limit} bytes).`));
    finish(p, tooLargeOutcome(size, limit));
    pump();
    return undefined;
  }

  async function invocationResponse(requestId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (header(req, H_RESPONSE_MODE)?.toLowerCase() === "streaming") return streamedResponse(requestId, req, res);
    const got = await current(requestId, req, res, MAX_PAYLOAD_BYTES);
    if (!got) return;
    sendJson(res, 202, ACCEPTED_BODY);
    finish(got.p, responseOutcome(got.text));
    pump();
  }

  /** A streamed response: each chunk handed to onChunk as it arrives, the outcome at its end (streamed.ts). */
  async function streamedResponse(requestId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = slots.inFlight.get(requestId);
    if (!p) {
      await readBody(req, 0);
      return invalidRequestId(res);
    }
    const body = await readStreamed(req, MAX_STREAMED_BYTES, (chunk) => options.onChunk?.(p.requestId, chunk));
    // It may have timed out while the body was arriving.
    if (p.done) return invalidRequestId(res);
    if (body.tooLarge) return tooLarge(p, res, body.size, MAX_STREAMED_BYTES);
    sendJson(res, 202, ACCEPTED_BODY);
    finish(p, streamedOutcome(req, body));
    pump();
  }

  async function invocationError(requestId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const got = await current(requestId, req, res, MAX_PAYLOAD_BYTES);
    if (!got) return;
    sendJson(res, 202, ACCEPTED_BODY);
    finish(got.p, { status: "error", error: parseErrorRequest(got.text, header(req, H_ERROR_TYPE), header(req, H_XRAY_CAUSE)) });
    pump();
  }

  async function initError(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, MAX_PAYLOAD_BYTES);
    const sb = sandbox;
    if (sb?.initDone || sb?.doomed || slots.busy)
      return outOfTurn(res, "init/error is accepted once, and only before the runtime asks for its first event");
    if (body.tooLarge)
      return sendJson(res, 413, errorBody("RequestEntityTooLarge", `Exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`));
    const error = parseErrorRequest(body.bytes.toString("utf8"), header(req, H_ERROR_TYPE), undefined);
    sendJson(res, 202, ACCEPTED_BODY);
    log(`xray-edge invoke: init error: ${error.errorType}: ${error.errorMessage}`);
    if (sb) {
      sb.doomed = true;
      // The runtime is expected to exit now; one that does not is stopped.
      sb.timers.push(setTimeout(() => sb.proc.kill(), INIT_ERROR_EXIT_GRACE_MS));
    }
    failQueued(error);
    pump();
  }

  const server = await startRuntimeApi({ next, invocationResponse, invocationError, initError }, options.host, options.port);

  // Runtimes live in process groups of their own: make sure they do not outlive this process.
  const killOnExit = (): void => sandbox?.proc.kill();
  process.on("exit", killOnExit);

  return {
    address: server.address,
    invoke(event?: unknown, invokeOptions: InvokeOptions = {}): Promise<InvocationResult> {
      if (closed) return Promise.reject(new Error("the emulator is closed"));
      let body: Buffer;
      try {
        body = encodeEvent(event);
      } catch (e) {
        return Promise.reject(e);
      }
      return new Promise<InvocationResult>((resolve, reject) => {
        const p: Pending = {
          requestId: newRequestId(),
          body,
          traceHeader: null,
          queuedAt: performance.now(),
          done: false,
          resolve,
          reject,
        };
        // Header values are checked now: res.writeHead would throw on them later, in no caller's hands.
        try {
          Object.assign(p, invocationHeaders(invokeOptions), traceFields(invokeOptions, settings, sampler));
        } catch (e) {
          reject(e);
          return;
        }
        if (body.length > MAX_PAYLOAD_BYTES) {
          // Lambda refuses such a request before any runtime sees it.
          finish(p, {
            status: "error",
            error: {
              errorType: "RequestEntityTooLargeException",
              errorMessage: `Request must be smaller than ${MAX_PAYLOAD_BYTES} bytes for the InvokeFunction operation`,
            },
          });
          return;
        }
        queue.push(p);
        pump();
      });
    },
    idle(): Promise<void> {
      return new Promise<void>((resolve) => {
        idleWaiters.push(resolve);
        checkIdle();
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      checkIdle();
      process.off("exit", killOnExit);
      const error = new Error("the emulator was closed before the invocation ended");
      for (const p of [...slots.inFlight.values(), ...queue.splice(0)]) {
        p.done = true;
        clearTimeout(p.timer);
        p.reject(error);
      }
      slots.inFlight.clear();
      slots.dropWaiters();
      const sb = sandbox;
      if (sb) {
        sb.doomed = true;
        sb.proc.kill();
        await sb.proc.exited;
      }
      await lambdaSegments?.close();
      await server.close();
    },
  };
}
