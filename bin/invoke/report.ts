/**
 * Invocation results as the CLI prints them: a few lines of text each, or one JSON line each
 * (`--json`), plus the closing summary.
 */
import type { InvocationResult } from "./emulator.ts";

/**
 * ```
 * [1/2] 8476a536-e9f4-41e8-9739-2dfe598c3fcd  success  4.21 ms  (init 38.10 ms)
 * trace: Root=1-…;Parent=…;Sampled=1
 * {"ok":true}
 * ```
 * then, instead of the payload, `Type: message` and the stack trace for an error.
 */
export function formatResult(result: InvocationResult, index: number, total: number): string {
  const init = result.initDurationMs !== undefined ? `  (init ${result.initDurationMs.toFixed(2)} ms)` : "";
  const lines = [
    `[${index}/${total}] ${result.requestId}  ${result.status}  ${result.durationMs.toFixed(2)} ms${init}`,
    `trace: ${result.traceHeader ?? "none"}`,
  ];
  if (result.status === "success" && result.streamed) {
    // Its body was printed as it arrived.
    const { chunks, bytes, contentType, prelude } = result.streamed;
    lines.push(`(streamed: ${chunks} chunk${chunks === 1 ? "" : "s"}, ${bytes} bytes${contentType ? `, ${contentType}` : ""})`);
    if (prelude !== undefined) lines.push(`prelude: ${JSON.stringify(prelude)}`);
  } else if (result.status === "success") {
    lines.push(result.responseText === undefined || result.responseText === "" ? "(empty response)" : result.responseText);
  } else if (result.error) {
    const { errorType, errorMessage, stackTrace } = result.error;
    lines.push(errorMessage === "" ? errorType : `${errorType}: ${errorMessage}`);
    for (const frame of stackTrace ?? []) {
      const text = frame.trim();
      // Node runtimes repeat "Type: message" as the first line of the stack.
      if (text !== "" && text !== `${errorType}: ${errorMessage}`) lines.push(`    ${text}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The `Root=` field of a trace header: the trace ID, `1-` + 8 + `-` + 24 hex digits. */
export function traceIdOf(header: string | null | undefined): string | null {
  const root = header?.match(/(?:^|;)\s*Root\s*=\s*(1-[0-9a-f]{8}-[0-9a-f]{24})\s*(?:;|$)/i)?.[1];
  return root === undefined ? null : root.toLowerCase();
}

/**
 * `{"requestId","traceId","traceHeader","status","durationMs","response"|"error"}` and a newline:
 * `traceId` is the ID the X-Ray console and API take, `traceHeader` the whole header the runtime
 * got (with its Parent and Sampled); both null for an invocation without one.
 */
export function jsonLine(result: InvocationResult): string {
  const line: Record<string, unknown> = {
    requestId: result.requestId,
    traceId: traceIdOf(result.traceHeader),
    traceHeader: result.traceHeader ?? null,
    status: result.status,
    durationMs: result.durationMs,
  };
  if (result.status === "success") line.response = result.response ?? null;
  else line.error = result.error ?? null;
  return `${JSON.stringify(line)}\n`;
}

export function summaryLine(results: readonly InvocationResult[]): string {
  const count = (status: string): number => results.filter((r) => r.status === status).length;
  const parts = [`${count("success")} succeeded`];
  for (const status of ["error", "timeout", "init error"]) if (count(status) > 0) parts.push(`${count(status)} ${status}`);
  return `xray-edge invoke: ${results.length} invocation${results.length === 1 ? "" : "s"}: ${parts.join(", ")}`;
}
