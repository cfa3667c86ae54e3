/**
 * What traceHandler reads from the environment: the Service annotation's value and whether the
 * response and errors are recorded (Powertools Tracer's variables, for users moving from it).
 */
import { type Env, envFlag, envValue } from "../context/settings.ts";

export interface HandlerSettings {
  service: string | undefined;
  captureResponse: boolean;
  captureError: boolean;
  /** The handler's name as Lambda knows it (`_HANDLER`, e.g. "index.handler"). */
  handler: string | undefined;
}

export function readHandlerSettings(env: Env): HandlerSettings {
  return {
    service:
      envValue(env, "POWERTOOLS_SERVICE_NAME") ?? envValue(env, "AWS_XRAY_TRACING_NAME") ?? envValue(env, "AWS_LAMBDA_FUNCTION_NAME"),
    captureResponse: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_RESPONSE", true),
    captureError: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_ERROR", true),
    handler: envValue(env, "_HANDLER"),
  };
}
