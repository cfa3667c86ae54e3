/**
 * What the emulator keeps of one invocation (Pending) and of one runtime process (Sandbox), and what
 * an ended invocation yields: its InvocationResult and Lambda's REPORT log line.
 */
import { performance } from "node:perf_hooks";
import type { MemoryWatch } from "./memory.ts";
import {
  H_CLIENT_CONTEXT,
  H_COGNITO_IDENTITY,
  H_DEADLINE,
  H_FUNCTION_ARN,
  H_REQUEST_ID,
  H_TRACE_ID,
  isHeaderSafe,
  jsonHeaderValue,
} from "./protocol.ts";
import type { RuntimeProcess } from "./runtime-process.ts";
import type { LambdaTrace } from "./tracing.ts";
import type { InvocationResult, InvokeOptions } from "./types.ts";

/** One invocation, from invoke() to its outcome. */
export interface Pending {
  requestId: string;
  body: Buffer;
  traceHeader: string | null;
  /** Set when the invocation is sampled: what Lambda's own segments hang from (lambda-segments.ts). */
  lambda?: LambdaTrace;
  clientContext?: string;
  cognitoIdentity?: string;
  queuedAt: number;
  deliveredAt?: number;
  deadlineMs?: number;
  sandbox?: Sandbox;
  initDurationMs?: number;
  timer?: ReturnType<typeof setTimeout>;
  done: boolean;
  resolve(result: InvocationResult): void;
  reject(error: Error): void;
}

/** One runtime process and what the emulator knows of it. */
export interface Sandbox {
  proc: RuntimeProcess;
  spawnedAt: number;
  /** Its first `next` has arrived (or an event was handed to a waiting `next`). */
  initDone: boolean;
  initDurationMs?: number;
  /** Its first invocation has been handed out (that one carries initDurationMs). */
  servedAny: boolean;
  /** It gets no more events: init failed, it timed out, or the emulator is closing. */
  doomed: boolean;
  timers: Array<ReturnType<typeof setTimeout>>;
  /** Its memory, read while it runs (memory.ts); absent where it cannot be measured. */
  memory?: MemoryWatch;
  /** Set when it went over the memory limit and was killed for it: the peak read, in MB. */
  outOfMemoryMb?: number;
}

export type Outcome = Pick<InvocationResult, "status" | "response" | "responseText" | "error" | "initError">;

export const round2 = (ms: number): number => Math.round(ms * 100) / 100;
export const seconds = (ms: number): string => (ms / 1000).toFixed(2);

/**
 * An invocation's client context and Cognito identity as headers can carry them (jsonHeaderValue);
 * throws a TypeError naming the option for one that is not JSON, or a trace header that is not
 * printable ASCII.
 */
export function invocationHeaders(options: InvokeOptions): Pick<Pending, "clientContext" | "cognitoIdentity"> {
  const headers: Pick<Pending, "clientContext" | "cognitoIdentity"> = {};
  for (const key of ["clientContext", "cognitoIdentity"] as const) {
    const value = options[key];
    if (value === undefined) continue;
    try {
      headers[key] = jsonHeaderValue(value);
    } catch (e) {
      throw new TypeError(`invoke: ${key} is not JSON (${(e as Error).message})`);
    }
  }
  if (typeof options.traceHeader === "string" && !isHeaderSafe(options.traceHeader))
    throw new TypeError(`invoke: traceHeader must be printable ASCII, not ${JSON.stringify(options.traceHeader)}`);
  return headers;
}

/** The headers of the `next` answer that hands `p` out. */
export function nextHeaders(p: Pending, arn: string): Record<string, string> {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Content-Length": String(p.body.length),
    [H_REQUEST_ID]: p.requestId,
    [H_DEADLINE]: String(p.deadlineMs),
    [H_FUNCTION_ARN]: arn,
  };
  if (p.traceHeader !== null) headers[H_TRACE_ID] = p.traceHeader;
  if (p.clientContext !== undefined) headers[H_CLIENT_CONTEXT] = p.clientContext;
  if (p.cognitoIdentity !== undefined) headers[H_COGNITO_IDENTITY] = p.cognitoIdentity;
  return headers;
}

/**
 * Calls `fn` once `ms` have passed since `from` (a performance.now() reading), never earlier:
 * Node's timers count from the event loop's cached time and can fire up to a millisecond early,
 * which would report a timeout shorter than the timeout. Each timer armed goes to `keep`, for
 * clearTimeout.
 */
export function notBefore(from: number, ms: number, fn: () => void, keep: (timer: ReturnType<typeof setTimeout>) => void): void {
  const arm = (): void => {
    const left = from + ms - performance.now();
    if (left > 0) keep(setTimeout(arm, Math.ceil(left)));
    else fn();
  };
  arm();
}

/** A response the runtime posted: its JSON value, or the text itself when it is not JSON. */
export function responseOutcome(text: string): Outcome {
  let response: unknown = text;
  try {
    response = JSON.parse(text);
  } catch {
    // Not JSON: the text is the payload.
  }
  return { status: "success", response, responseText: text };
}

/** Lambda's words for a response over the payload limit. */
export function tooLargeOutcome(size: number, limit: number): Outcome {
  return {
    status: "error",
    error: {
      errorType: "Function.ResponseSizeTooLarge",
      errorMessage: `Response payload size (${size} bytes) exceeded maximum allowed payload size (${limit} bytes).`,
    },
  };
}

/** Lambda's words for an invocation past its deadline. */
export function timedOut(p: Pending, timeoutMs: number): Outcome {
  return {
    status: "timeout",
    error: {
      errorType: "Sandbox.Timedout",
      errorMessage: `RequestId: ${p.requestId} Error: Task timed out after ${seconds(timeoutMs)} seconds`,
    },
  };
}

/** The result handed to invoke()'s caller: the outcome, with what is known of the invocation. */
export function invocationResult(p: Pending, outcome: Outcome, durationMs: number): InvocationResult {
  const result: InvocationResult = { requestId: p.requestId, traceHeader: p.traceHeader, status: outcome.status, durationMs };
  if (p.initDurationMs !== undefined) result.initDurationMs = p.initDurationMs;
  if (p.deadlineMs !== undefined) result.deadlineMs = p.deadlineMs;
  if (p.deliveredAt !== undefined && p.sandbox?.proc.pid !== undefined) result.pid = p.sandbox.proc.pid;
  for (const key of ["response", "responseText", "error", "initError"] as const) {
    if (outcome[key] !== undefined) (result as unknown as Record<string, unknown>)[key] = outcome[key];
  }
  return result;
}

/**
 * `REPORT RequestId: … Duration: … Billed Duration: … Memory Size: … Max Memory Used: …`,
 * tab-separated, as Lambda logs it. Max Memory Used is left out when it could not be measured, and
 * is at most the memory size, as on Lambda (whose cgroup cannot hold more; the emulator reads
 * after the fact and may have seen a little more before its kill).
 */
export function reportLine(p: Pending, outcome: Outcome, durationMs: number, memoryMb: number, maxMemoryUsedMb?: number): string {
  const parts = [
    `REPORT RequestId: ${p.requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(durationMs)} ms`,
    `Memory Size: ${memoryMb} MB`,
  ];
  if (maxMemoryUsedMb !== undefined) parts.push(`Max Memory Used: ${Math.min(maxMemoryUsedMb, memoryMb)} MB`);
  if (p.initDurationMs !== undefined) parts.push(`Init Duration: ${p.initDurationMs.toFixed(2)} ms`);
  if (outcome.status !== "success")
    parts.push(`Status: ${outcome.status}${outcome.error ? `\tError Type: ${outcome.error.errorType}` : ""}`);
  return parts.join("\t");
}
