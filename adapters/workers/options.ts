/**
 * traced()'s options, checked once when the wrapper is made (at the Worker's module load): a
 * malformed one throws there, naming it, so that nothing throws later, inside a request.
 */
import type { Logger, SamplingStrategy } from "../host/index.ts";
import { hasMethods, isRecord, optionError } from "../../core/options.ts";

/** The names of the Worker's bindings (its `env`) that hold the credentials and the Region. */
export interface WorkersBindings {
  /** Default `AWS_ACCESS_KEY_ID`. */
  accessKeyId?: string;
  /** Default `AWS_SECRET_ACCESS_KEY`. */
  secretAccessKey?: string;
  /** Default `AWS_SESSION_TOKEN` (optional in env: long-term keys have none). */
  sessionToken?: string;
  /** Default `AWS_REGION`. */
  region?: string;
}

export interface WorkersTracingOptions {
  /** The segment's name (the service's name in X-Ray). Required. */
  name: string;
  /** Binding names to read from `env`, when yours differ from the AWS_* defaults. */
  bindings?: WorkersBindings;
  /** The X-Ray API's base URL (a VPC endpoint, a local stand-in). Default: `https://xray.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Who decides sampling, shared by every request of the isolate. Default: 1 request per second, then 5%. */
  sampler?: SamplingStrategy;
  /** Receives warnings, each distinct one once per isolate. Default: console.warn, as AWS_XRAY_LOG_LEVEL allows. */
  logger?: Logger;
  /** Record the query string in `http.request.url`. Default false: query strings often carry tokens. */
  includeQueryString?: boolean;
}

export interface ResolvedWorkers {
  name: string;
  bindings: Required<WorkersBindings>;
  endpoint: string | undefined;
  sampler: SamplingStrategy | undefined;
  logger: Logger | undefined;
  includeQueryString: boolean;
}

const DEFAULT_BINDINGS: Required<WorkersBindings> = {
  accessKeyId: "AWS_ACCESS_KEY_ID",
  secretAccessKey: "AWS_SECRET_ACCESS_KEY",
  sessionToken: "AWS_SESSION_TOKEN",
  region: "AWS_REGION",
};

export function resolveWorkersOptions(options: unknown): ResolvedWorkers {
  const where = "traced";
  if (!isRecord(options)) throw optionError(where, "options", 'an object with at least { name: "..." }', options);
  const o = options as Partial<WorkersTracingOptions>;
  if (typeof o.name !== "string" || o.name === "") throw optionError(where, "name", "a non-empty string", o.name);
  if (o.bindings !== undefined && !isRecord(o.bindings)) throw optionError(where, "bindings", "an object of binding names", o.bindings);
  const bindings = { ...DEFAULT_BINDINGS };
  for (const key of Object.keys(DEFAULT_BINDINGS) as (keyof WorkersBindings)[]) {
    const given = o.bindings?.[key];
    if (given === undefined) continue;
    if (typeof given !== "string" || given === "")
      throw optionError(where, `bindings.${key}`, "a binding name (a non-empty string)", given);
    bindings[key] = given;
  }
  if (o.endpoint !== undefined && (typeof o.endpoint !== "string" || !/^https?:\/\/[^/]/.test(o.endpoint)))
    throw optionError(where, "endpoint", "an http(s) URL such as https://xray.us-east-1.amazonaws.com", o.endpoint);
  if (o.sampler !== undefined && !hasMethods(o.sampler, "shouldSample"))
    throw optionError(where, "sampler", "a SamplingStrategy: { shouldSample(request) }", o.sampler);
  if (o.logger !== undefined && !hasMethods(o.logger, "warn")) throw optionError(where, "logger", "a Logger: { warn(message) }", o.logger);
  if (o.includeQueryString !== undefined && typeof o.includeQueryString !== "boolean")
    throw optionError(where, "includeQueryString", "a boolean", o.includeQueryString);
  return {
    name: o.name,
    bindings,
    endpoint: o.endpoint,
    sampler: o.sampler,
    logger: o.logger,
    includeQueryString: o.includeQueryString === true,
  };
}
