/**
 * What traceHandler reads from the environment: the Service annotation's value, whether the
 * response and errors are recorded (Powertools Tracer's variables, for users moving from it), the
 * handler's name, the daemon's address, and whether Lambda runs invocations concurrently (Managed
 * Instances). Read and checked once, when xray-edge/lambda loads (or the custom runtime starts): a
 * malformed value throws there, naming the variable, never later.
 */
import { type Env, envFlag, envValue, processEnv } from "../context/settings.ts";
import { DEFAULT_DAEMON_ADDRESS, parseDaemonAddress } from "../udp/address.ts";

export interface HandlerSettings {
  service: string | undefined;
  captureResponse: boolean;
  captureError: boolean;
  /** The handler's name as Lambda knows it (`_HANDLER`, e.g. "index.handler"). */
  handler: string | undefined;
  /** AWS_XRAY_DAEMON_ADDRESS as given (checked), else the default: the UDP emitter's address. */
  daemonAddress: string;
  /**
   * AWS_LAMBDA_MAX_CONCURRENCY is set (a whole number, at least 1): Lambda may run several
   * invocations at once in this process, so the process-wide `_X_AMZN_TRACE_ID` is nobody's header.
   */
  concurrent: boolean;
}

export function readHandlerSettings(env: Env): HandlerSettings {
  const daemonAddress = envValue(env, "AWS_XRAY_DAEMON_ADDRESS") ?? DEFAULT_DAEMON_ADDRESS;
  parseDaemonAddress(daemonAddress); // throws, naming AWS_XRAY_DAEMON_ADDRESS and its forms
  return {
    service:
      envValue(env, "POWERTOOLS_SERVICE_NAME") ?? envValue(env, "AWS_XRAY_TRACING_NAME") ?? envValue(env, "AWS_LAMBDA_FUNCTION_NAME"),
    captureResponse: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_RESPONSE", true),
    captureError: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_ERROR", true),
    handler: envValue(env, "_HANDLER"),
    daemonAddress,
    concurrent: maxConcurrency(env) !== undefined,
  };
}

/** AWS_LAMBDA_MAX_CONCURRENCY as Lambda sets it on Managed Instances: a whole number, at least 1. */
function maxConcurrency(env: Env): number | undefined {
  const value = envValue(env, "AWS_LAMBDA_MAX_CONCURRENCY");
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1)
    throw new Error(`xray-edge: AWS_LAMBDA_MAX_CONCURRENCY="${value.slice(0, 40)}" is not valid: expected a whole number, at least 1`);
  return Number(value);
}

const DEFAULTS: Readonly<HandlerSettings> = Object.freeze({
  service: undefined,
  captureResponse: true,
  captureError: true,
  handler: undefined,
  daemonAddress: DEFAULT_DAEMON_ADDRESS,
  concurrent: false,
});

/** Per bundle (the lambda entry and the runtime each load their own): what loadHandlerSettings read. */
let loaded: HandlerSettings | undefined;

/** Reads and checks the variables above once; throws on a malformed one (and keeps nothing). */
export function loadHandlerSettings(): HandlerSettings {
  return (loaded ??= readHandlerSettings(processEnv()));
}

let concurrency: { concurrent: boolean } | undefined;

/**
 * Whether Lambda runs invocations concurrently (AWS_LAMBDA_MAX_CONCURRENCY), read and checked once:
 * for the drop-in APIs, which read no other handler setting. Throws on a malformed value (the
 * drop-ins call it at import); afterwards it returns what it read.
 */
export function loadConcurrency(): boolean {
  if (loaded) return loaded.concurrent;
  return (concurrency ??= { concurrent: maxConcurrency(processEnv()) !== undefined }).concurrent;
}

/** The settings as loaded; never throws (the defaults only for code that skipped the entry). */
export function handlerSettings(): HandlerSettings {
  return loaded ?? DEFAULTS;
}
