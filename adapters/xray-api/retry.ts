/**
 * What is worth sending again, and when. PutTraceSegments is safe to repeat: X-Ray keeps one
 * document per segment ID (a later copy replaces an earlier one), so a call that timed out after
 * the service took it costs a duplicate write, never a duplicate segment.
 */

/** The retry schedule's defaults (the README's table quotes them). */
export const DEFAULT_MAX_ATTEMPTS = 4;
export const BACKOFF_BASE_MS = 100;
export const BACKOFF_CAP_MS = 2_000;

/**
 * The wait before attempt `attempt + 1` (attempt counts from 1): exponential, capped, with "equal
 * jitter" (half fixed, half random), so that many emitters throttled at once spread out their
 * retries but none retries immediately. `random` is in [0, 1).
 */
export function backoffMs(attempt: number, random: number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  return ceiling / 2 + (ceiling / 2) * random;
}

/**
 * UnprocessedTraceSegments' ErrorCode is a free string: the API reference publishes no list. The
 * codes seen in the wild (MissingId, InvalidTraceId, InvalidSegment...) name a fault of the
 * document, which sending it again cannot fix. Only codes naming the service's own state
 * (throttling, an internal failure) are retried; an unknown code is not.
 */
const RETRYABLE_CODES = new Set([
  "throttledexception",
  "throttlingexception",
  "throttling",
  "toomanyrequestsexception",
  "internalfailure",
  "internalservererror",
  "internalerror",
  "serviceunavailable",
  "serviceunavailableexception",
]);

export const isRetryableCode = (code: unknown): boolean => typeof code === "string" && RETRYABLE_CODES.has(code.toLowerCase());

const THROTTLING_NAMES = new Set(["ThrottledException", "ThrottlingException", "Throttling", "TooManyRequestsException"]);
/** Errors below the HTTP layer: the request may not have arrived, sending it again is the remedy. */
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
]);

export interface Verdict {
  retryable: boolean;
  /** A short name of the kind of failure: the warnings are said once per kind. */
  kind: string;
}

/** The HTTP status an error carries, from the AWS SDK ($metadata) or from the fetch transport. */
export function statusOf(error: unknown): number | undefined {
  const e = error as { $metadata?: { httpStatusCode?: unknown }; status?: unknown } | null | undefined;
  const status = e?.$metadata?.httpStatusCode ?? e?.status;
  return typeof status === "number" ? status : undefined;
}

/** Throttling, 5xx, timeouts and network errors are retried; anything else (4xx, a bad signature, no SDK) is final. */
export function classify(error: unknown): Verdict {
  const e = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } } | null | undefined;
  const name = typeof e?.name === "string" ? e.name : "";
  const status = statusOf(error);
  if (name === "XrayApiTimeout") return { retryable: true, kind: "timeout" };
  if (THROTTLING_NAMES.has(name) || status === 429) return { retryable: true, kind: "throttled" };
  if (status !== undefined && status >= 500) return { retryable: true, kind: `HTTP ${status}` };
  if (status !== undefined) return { retryable: false, kind: `HTTP ${status}${name ? ` ${name}` : ""}` };
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : "";
  if (NETWORK_CODES.has(code)) return { retryable: true, kind: code };
  // fetch's network failure: a TypeError without a status ("fetch failed", "Network connection lost").
  if (name === "TypeError") return { retryable: true, kind: "network" };
  return { retryable: false, kind: name || code || "error" };
}
