/**
 * What the emulator keeps of one invocation (Pending) and of one runtime process (Sandbox), and what
 * an ended invocation yields: its InvocationResult and Lambda's REPORT log line.
 */
import type { RuntimeProcess } from "./runtime-process.ts";
import type { InvocationResult } from "./types.ts";

/** One invocation, from invoke() to its outcome. */
export interface Pending {
  requestId: string;
  body: Buffer;
  traceHeader: string | null;
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
}

export type Outcome = Pick<InvocationResult, "status" | "response" | "responseText" | "error" | "initError">;

export const round2 = (ms: number): number => Math.round(ms * 100) / 100;
export const seconds = (ms: number): string => (ms / 1000).toFixed(2);

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

/** `REPORT RequestId: … Duration: … Billed Duration: … Memory Size: …`, tab-separated, as Lambda logs it. */
export function reportLine(p: Pending, outcome: Outcome, durationMs: number, memoryMb: number): string {
  const parts = [
    `REPORT RequestId: ${p.requestId}`,
    `Duration: ${durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(durationMs)} ms`,
    `Memory Size: ${memoryMb} MB`,
  ];
  if (p.initDurationMs !== undefined) parts.push(`Init Duration: ${p.initDurationMs.toFixed(2)} ms`);
  if (outcome.status !== "success")
    parts.push(`Status: ${outcome.status}${outcome.error ? `\tError Type: ${outcome.error.errorType}` : ""}`);
  return parts.join("\t");
}
