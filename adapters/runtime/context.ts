/**
 * The context object a handler gets, with the fields of Lambda's Node runtime: from the
 * invocation's headers (request ID, ARN, deadline, Mobile SDK client context and Cognito
 * identity) and from the environment Lambda sets for the function.
 */
import { RuntimeError } from "./errors.ts";
import type { Invocation } from "./api.ts";
import type { Env } from "./host.ts";

export interface LambdaContext {
  awsRequestId: string;
  invokedFunctionArn: string;
  functionName: string;
  functionVersion: string;
  /** As Node's runtime gives it: the text of AWS_LAMBDA_FUNCTION_MEMORY_SIZE. */
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  /** Parsed from Lambda-Runtime-Client-Context when the invocation has one. */
  clientContext?: unknown;
  /** Parsed from Lambda-Runtime-Cognito-Identity when the invocation has one. */
  identity?: unknown;
  /**
   * The invocation's trace header (Lambda-Runtime-Trace-Id, as it may be propagated: see
   * runtime.ts), in every mode; undefined when the invocation has none. Under
   * AWS_LAMBDA_MAX_CONCURRENCY it is, with `currentTraceHeader()`, how a handler reads it.
   */
  xRayTraceId: string | undefined;
  /** Kept for handlers that set it; this runtime never waits for the event loop to empty. */
  callbackWaitsForEmptyEventLoop: boolean;
  /** Milliseconds until Lambda-Runtime-Deadline-Ms (negative once passed; NaN without a deadline). */
  getRemainingTimeInMillis(): number;
}

function jsonHeader(headers: Invocation["headers"], name: string): unknown {
  const value = headers.get(name);
  if (value === null || value === "") return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new RuntimeError("Runtime.InvalidEventPayload", `the invocation's ${name} header is not JSON: ${(error as Error).message}`);
  }
}

export function buildContext(requestId: string, headers: Invocation["headers"], env: Env, traceHeader: string | undefined): LambdaContext {
  const deadline = Number.parseInt(headers.get("Lambda-Runtime-Deadline-Ms") ?? "", 10);
  const context: LambdaContext = {
    awsRequestId: requestId,
    invokedFunctionArn: headers.get("Lambda-Runtime-Invoked-Function-Arn") ?? "",
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? "",
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION ?? "",
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? "",
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME ?? "",
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME ?? "",
    xRayTraceId: traceHeader,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  const clientContext = jsonHeader(headers, "Lambda-Runtime-Client-Context");
  const identity = jsonHeader(headers, "Lambda-Runtime-Cognito-Identity");
  if (clientContext !== undefined) context.clientContext = clientContext;
  if (identity !== undefined) context.identity = identity;
  return context;
}
