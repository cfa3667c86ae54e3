/**
 * What xray-edge/powertools reads from the environment: Powertools Tracer's own variables, and the
 * ones it decides with whether it runs in Lambda. Read and checked once, when the module loads: a
 * malformed flag throws there, naming the variable and its accepted values (Powertools ignores a
 * value it does not know; a typo in `POWERTOOLS_TRACE_ENABLED=flase` would leave tracing on
 * unnoticed, which is what the issue reported), never later.
 */
import { type Env, envFlag, envValue, processEnv } from "../context/settings.ts";
import { DEFAULT_DAEMON_ADDRESS, parseDaemonAddress } from "../udp/address.ts";

export interface PowertoolsSettings {
  /** POWERTOOLS_SERVICE_NAME: the `Service` annotation and the default metadata namespace. */
  serviceName: string | undefined;
  /** POWERTOOLS_TRACE_ENABLED (default true). */
  traceEnabled: boolean;
  /** POWERTOOLS_DEV: a truthy value turns tracing off, as Powertools documents for its Tracer. */
  devMode: boolean;
  /** POWERTOOLS_TRACER_CAPTURE_RESPONSE (default true). */
  captureResponse: boolean;
  /** POWERTOOLS_TRACER_CAPTURE_ERROR (default true): false records only the error flag. */
  captureError: boolean;
  /** POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS (default true): trace the global fetch. */
  captureHTTPsRequests: boolean;
  /** AWS_EXECUTION_ENV: set by Lambda (`AWS_Lambda_nodejs20.x`); tracing is off without it. */
  executionEnv: string | undefined;
  /** AWS_SAM_LOCAL: set by `sam local`, where tracing is off. */
  samLocal: boolean;
  /** AWS_LAMBDA_INITIALIZATION_TYPE: ColdStart is true only for `on-demand` environments. */
  initializationType: string | undefined;
  /** _HANDLER: the handler's subsegment is `## <handler>`, its response `<handler> response`. */
  handler: string | undefined;
  /** AWS_XRAY_DAEMON_ADDRESS as given (checked), else the default. */
  daemonAddress: string;
}

export function readPowertoolsSettings(env: Env): PowertoolsSettings {
  const daemonAddress = envValue(env, "AWS_XRAY_DAEMON_ADDRESS") ?? DEFAULT_DAEMON_ADDRESS;
  parseDaemonAddress(daemonAddress); // throws, naming AWS_XRAY_DAEMON_ADDRESS and its forms
  return {
    serviceName: envValue(env, "POWERTOOLS_SERVICE_NAME"),
    traceEnabled: envFlag(env, "POWERTOOLS_TRACE_ENABLED", true),
    devMode: devMode(env),
    captureResponse: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_RESPONSE", true),
    captureError: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_ERROR", true),
    captureHTTPsRequests: envFlag(env, "POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS", true),
    executionEnv: envValue(env, "AWS_EXECUTION_ENV"),
    samLocal: envValue(env, "AWS_SAM_LOCAL") !== undefined,
    initializationType: envValue(env, "AWS_LAMBDA_INITIALIZATION_TYPE"),
    handler: envValue(env, "_HANDLER"),
    daemonAddress,
  };
}

/** Powertools' truthy and falsy spellings for POWERTOOLS_DEV (commons' extended parsing). */
const TRUTHY = ["1", "y", "yes", "t", "true", "on"];
const FALSY = ["0", "n", "no", "f", "false", "off"];

function devMode(env: Env): boolean {
  const value = envValue(env, "POWERTOOLS_DEV")?.toLowerCase();
  if (value === undefined || FALSY.includes(value)) return false;
  if (TRUTHY.includes(value)) return true;
  throw new Error(
    `xray-edge: POWERTOOLS_DEV="${envValue(env, "POWERTOOLS_DEV")}" is not valid: expected one of ${[...TRUTHY, ...FALSY].join(", ")}`,
  );
}

/** Per bundle: what loadPowertoolsSettings read. */
let loaded: PowertoolsSettings | undefined;

/** Reads and checks the variables above once; throws on a malformed one (and keeps nothing). */
export function loadPowertoolsSettings(): PowertoolsSettings {
  return (loaded ??= readPowertoolsSettings(processEnv()));
}
