/**
 * AWS_LAMBDA_MAX_CONCURRENCY: on Lambda Managed Instances, how many invocations one execution
 * environment runs at once. Set, the runtime keeps that many `/next` requests open and serves
 * each event as it comes; it then never touches `_X_AMZN_TRACE_ID` (a process global), and each
 * invocation's trace header is in `awslambda.InvokeStore` and `context.xRayTraceId`, as on
 * Lambda's Node runtime, which switches to the same mode on the variable's presence.
 */
import { envValue } from "../context/settings.ts";
import type { Env } from "./host.ts";

/**
 * The most invocations kept in flight. Each worker has one request to the Runtime API open at a
 * time, and Bun's fetch runs at most 256 at once (BUN_CONFIG_MAX_HTTP_REQUESTS) and queues the
 * rest: beyond it, parked `/next` requests would hold back the posts of answers.
 */
export const MAX_CONCURRENCY = 256;

/** Undefined when the variable is unset (one invocation at a time); throws RangeError naming it when malformed. */
export function maxConcurrency(env: Env): number | undefined {
  const value = envValue(env, "AWS_LAMBDA_MAX_CONCURRENCY");
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_CONCURRENCY)
    throw new RangeError(
      `xray-edge: AWS_LAMBDA_MAX_CONCURRENCY="${value.slice(0, 40)}" is not valid: expected a whole number from 1 to ${MAX_CONCURRENCY}`,
    );
  return n;
}
