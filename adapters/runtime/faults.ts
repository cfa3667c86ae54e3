/**
 * Faults no handler code caught: an exception thrown where nothing catches it (a timer, an event
 * listener) and a rejection nothing handles. Reported as Lambda's Node runtime reports them (read
 * in aws-lambda-nodejs-runtime-interface-client: src/index.mjs installs the listeners before the
 * handler's module loads, src/Runtime.js points them at each invocation, src/Errors.js names them):
 *
 * - an uncaught exception is the error itself (`errorType` its name, `errorMessage` its message),
 *   posted to /runtime/invocation/{id}/error (to /runtime/init/error before the first invocation),
 *   then the process exits with code 129;
 * - an unhandled rejection becomes `Runtime.UnhandledPromiseRejection`, whose message is the
 *   reason as `new Error(reason)` makes it a string ("RangeError: boom" for an error, "42" for 42,
 *   "" for undefined), posted the same way, then the process exits with code 128.
 *
 * Lambda's stack for the rejection is its own listener's; here it is the reason's frames, under
 * the `Runtime.UnhandledPromiseRejection: …` line, so that the report points at the user's code.
 * Node, Bun and Deno 2 all have `process.on`; the web events are the fallback.
 */
import { RuntimeError } from "./errors.ts";

export type FaultKind = "uncaughtException" | "unhandledRejection";

/** The exit codes of Lambda's Node runtime after it has posted the fault. */
export const FAULT_EXIT_CODES: Record<FaultKind, number> = { uncaughtException: 129, unhandledRejection: 128 };

function text(value: unknown): string {
  if (value === undefined) return "";
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** Lambda's Runtime.UnhandledPromiseRejection for `reason`, carrying the reason's stack frames. */
export function rejectionError(reason: unknown): RuntimeError {
  const message = text(reason);
  let frames: string[] = [];
  try {
    const stack = (reason as { stack?: unknown } | null)?.stack;
    if (typeof stack === "string") frames = stack.split("\n").filter((line) => /^\s+at\s/.test(line));
  } catch {
    // a reason whose stack cannot be read: no frames
  }
  const type = "Runtime.UnhandledPromiseRejection";
  return new RuntimeError(type, message, { stack: [`${type}: ${message}`, ...frames].join("\n") });
}

interface ProcessEvents {
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}
interface WebEvents {
  addEventListener?(type: string, listener: (event: { reason?: unknown; error?: unknown; preventDefault(): void }) => void): void;
}

/**
 * Calls `listener` for each uncaught exception and unhandled rejection (an exception arrives as
 * thrown, a rejection as rejectionError(reason)). Registering takes over the runtime's default
 * (printing and exiting), so the listener decides when the process ends.
 */
export function onFaults(listener: (kind: FaultKind, error: unknown) => void): void {
  const host = globalThis as { process?: ProcessEvents } & WebEvents;
  if (typeof host.process?.on === "function") {
    host.process.on("uncaughtException", (error) => listener("uncaughtException", error));
    host.process.on("unhandledRejection", (reason) => listener("unhandledRejection", rejectionError(reason)));
    return;
  }
  if (typeof host.addEventListener === "function") {
    host.addEventListener("error", (event) => {
      event.preventDefault();
      listener("uncaughtException", event.error);
    });
    host.addEventListener("unhandledrejection", (event) => {
      event.preventDefault();
      listener("unhandledRejection", rejectionError(event.reason));
    });
  }
}
