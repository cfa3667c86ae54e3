/**
 * Powertools Tracer's options, checked at construction: a malformed one throws naming it and its
 * form (Powertools ignores what it does not know). `customConfigService` is Powertools' deprecated
 * way to supply the settings; its answers are read as Powertools reads them: `"false"` (any case)
 * turns a feature off, anything else leaves the next source to decide.
 */

/** Powertools' (deprecated) source of settings; every method is optional here. */
export interface ConfigServiceInterface {
  get?(name: string): string;
  getServiceName?(): string;
  getTracingEnabled?(): string;
  getTracingCaptureResponse?(): string;
  getTracingCaptureError?(): string;
  getCaptureHTTPsRequests?(): string;
  getAwsExecutionEnv?(): string;
  getSamLocal?(): string;
}

export interface TracerOptions {
  /** `false` turns tracing off (`true` does not turn it on outside Lambda, as in Powertools). */
  enabled?: boolean;
  /** The `Service` annotation and the default metadata namespace. Default: POWERTOOLS_SERVICE_NAME, else `service_undefined`. */
  serviceName?: string;
  /** Trace requests made with the global `fetch` (default: POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS, else true). */
  captureHTTPsRequests?: boolean;
  /** @deprecated as in Powertools: use the options above and the POWERTOOLS_* variables. */
  customConfigService?: ConfigServiceInterface;
}

export interface CaptureLambdaHandlerOptions {
  /** Record the handler's result as `<handler> response` metadata (default true). */
  captureResponse?: boolean;
}

export interface CaptureMethodOptions {
  /** The subsegment's name (default `### <methodName>`). */
  subSegmentName?: string;
  /** Record the method's result as `<methodName> response` metadata (default true). */
  captureResponse?: boolean;
}

const TRACER_KEYS = ["enabled", "serviceName", "captureHTTPsRequests", "customConfigService"];

function record(what: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object")
    throw new TypeError(`${what}: options must be an object, got ${value === null ? "null" : typeof value}`);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new TypeError(`${what}: unknown option "${key}" (expected ${keys.join(", ")})`);
  }
  return value as Record<string, unknown>;
}

function optionalBoolean(what: string, options: Record<string, unknown>, key: string): boolean | undefined {
  const v = options[key];
  if (v !== undefined && typeof v !== "boolean") throw new TypeError(`${what}: ${key} must be a boolean, got ${typeof v}`);
  return v;
}

export function checkTracerOptions(options: unknown): TracerOptions {
  const o = record("new Tracer", options, TRACER_KEYS);
  optionalBoolean("new Tracer", o, "enabled");
  optionalBoolean("new Tracer", o, "captureHTTPsRequests");
  if (o.serviceName !== undefined && typeof o.serviceName !== "string")
    throw new TypeError(`new Tracer: serviceName must be a string, got ${typeof o.serviceName}`);
  const c = o.customConfigService;
  if (c !== undefined && (c === null || typeof c !== "object"))
    throw new TypeError(
      `new Tracer: customConfigService must be an object with Powertools' config methods, got ${c === null ? "null" : typeof c}`,
    );
  return o as TracerOptions;
}

export function checkHandlerOptions(options: unknown): CaptureLambdaHandlerOptions {
  const o = record("captureLambdaHandler", options, ["captureResponse"]);
  optionalBoolean("captureLambdaHandler", o, "captureResponse");
  return o as CaptureLambdaHandlerOptions;
}

export function checkMethodOptions(options: unknown): CaptureMethodOptions {
  const o = record("captureMethod", options, ["subSegmentName", "captureResponse"]);
  optionalBoolean("captureMethod", o, "captureResponse");
  if (o.subSegmentName !== undefined && typeof o.subSegmentName !== "string")
    throw new TypeError(`captureMethod: subSegmentName must be a string, got ${typeof o.subSegmentName}`);
  return o as CaptureMethodOptions;
}

/** A config service's answer, or undefined when it has none or fails. */
export function ask(service: ConfigServiceInterface | undefined, method: keyof ConfigServiceInterface): string | undefined {
  try {
    const f = service?.[method];
    if (typeof f !== "function") return undefined;
    const v = (f as () => unknown).call(service);
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Powertools' rule for a config service's flag: only "false" turns it off. */
export const saysFalse = (value: string | undefined): boolean => value !== undefined && value.trim().toLowerCase() === "false";
