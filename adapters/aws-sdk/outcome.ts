/**
 * What an AWS SDK v3 call's result or error says about the call: HTTP status, request IDs,
 * attempts, and whether it was throttled. Reads only plain fields (`$metadata`, `$response`,
 * `$retryable`, the raw response's headers), each checked, so any shape of result is safe.
 */
import type { ResponseMetadata } from "./types.ts";

export interface CallOutcome {
  status?: number;
  requestId?: string;
  /** S3's `x-amz-id-2` (recorded as `aws.id_2`). */
  extendedRequestId?: string;
  /** How many times the request was sent (the retry middleware counts them). */
  attempts?: number;
  contentLength?: number;
}

/**
 * Error names the SDK treats as throttling: the list of @smithy/service-error-classification
 * (`isThrottlingError`), which also counts a 429 status and the `$retryable.throttling` trait.
 */
const THROTTLING = new Set([
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "LimitExceededException",
  "PriorRequestNotComplete",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "ThrottledException",
  "Throttling",
  "ThrottlingException",
  "TooManyRequestsException",
  "TransactionInProgressException",
]);

type Bag = Record<string, unknown>;

const bag = (value: unknown): Bag | undefined => (value !== null && typeof value === "object" ? (value as Bag) : undefined);
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
const count = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) && value >= 0 ? value : undefined;

/** A header of a raw HttpResponse (`{ statusCode, headers }`), by name in any case. */
function header(response: Bag | undefined, name: string): string | undefined {
  const headers = bag(response?.headers);
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return text(direct);
  for (const key of Object.keys(headers)) if (key.toLowerCase() === name) return text(headers[key]);
  return undefined;
}

function outcome(metadata: ResponseMetadata | undefined, response: Bag | undefined): CallOutcome {
  const result: CallOutcome = {};
  const status = count(metadata?.httpStatusCode) ?? count(response?.statusCode);
  if (status !== undefined && status >= 100 && status < 600) result.status = status;
  const requestId = text(metadata?.requestId) ?? header(response, "x-amzn-requestid") ?? header(response, "x-amz-request-id");
  if (requestId !== undefined) result.requestId = requestId;
  const id2 = text(metadata?.extendedRequestId) ?? header(response, "x-amz-id-2");
  if (id2 !== undefined) result.extendedRequestId = id2;
  const attempts = count(metadata?.attempts);
  if (attempts !== undefined && attempts >= 1) result.attempts = attempts;
  const length = header(response, "content-length");
  if (length !== undefined && /^\d+$/.test(length)) result.contentLength = Number(length);
  return result;
}

/** From what `next` resolved with: `{ output: { $metadata }, response }`. */
export function outcomeOfResult(result: unknown): CallOutcome {
  const r = bag(result);
  return outcome(bag(bag(r?.output)?.$metadata) as ResponseMetadata | undefined, bag(r?.response));
}

/** From an error: a service error's `$metadata` and `$response`; attempts for any error. */
export function outcomeOfError(error: unknown): CallOutcome {
  const e = bag(error);
  return outcome(bag(e?.$metadata) as ResponseMetadata | undefined, bag(e?.$response));
}

/** Whether the SDK would call `error` throttling (as @smithy's isThrottlingError does). */
export function isThrottling(error: unknown, status: number | undefined): boolean {
  if (status === 429) return true;
  const e = bag(error);
  if (!e) return false;
  if (typeof e.name === "string" && THROTTLING.has(e.name)) return true;
  return bag(e.$retryable)?.throttling === true;
}
