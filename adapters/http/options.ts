/**
 * The options every server wrapper takes, checked once when the wrapper is made: a malformed one
 * throws there, naming it, so that nothing throws later, inside a request.
 */
import { type Emitter, type Logger, type SamplingStrategy, Tracer } from "../host/index.ts";
import { hasMethods, isRecord, optionError } from "../../core/options.ts";
import { createUdpEmitter } from "../udp/emitter.ts";
import { settings } from "../context/storage.ts";
import { levelLogger } from "../context/settings.ts";

export interface HttpTracingOptions {
  /** The segment's name (the service's name in X-Ray). Default: the tracer's `serviceName`. */
  name?: string;
  /** The tracer to record on: its emitter, sampler and logger. Default: one per process, over UDP to the daemon. */
  tracer?: Tracer;
  /** Without `tracer`: where documents go. Default: `createUdpEmitter()` (AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000). */
  emitter?: Emitter;
  /** Without `tracer`: who decides sampling. Default: 1 request per second, then 5%. */
  sampler?: SamplingStrategy;
  /** Without `tracer`: receives warnings. Default: console.warn, as AWS_XRAY_LOG_LEVEL allows. */
  logger?: Logger;
  /** Record the query string in `http.request.url`. Default false: query strings often carry tokens. */
  includeQueryString?: boolean;
}

/** What a wrapper works with once its options passed. */
export interface Resolved {
  tracer: Tracer;
  name: string;
  includeQueryString: boolean;
}

/**
 * The process's default tracer, made on first use: every wrapper without `tracer`, `emitter`,
 * `sampler` or `logger` shares it, and with it one socket and one sampler (whose 1 per second
 * reservoir is then the process's, as X-Ray means it).
 */
let shared: Tracer | undefined;

export function resolveOptions(where: string, options: unknown): Resolved {
  if (options === undefined) options = {};
  if (!isRecord(options)) throw optionError(where, "options", "an object", options);
  const o = options as HttpTracingOptions;
  if (o.tracer !== undefined && !hasMethods(o.tracer, "beginSegment"))
    throw optionError(where, "tracer", "a Tracer (new Tracer({ ... }) from xray-edge)", o.tracer);
  for (const key of ["emitter", "sampler", "logger"] as const) {
    // With a tracer these would be ignored silently: say so instead.
    if (o.tracer !== undefined && o[key] !== undefined) throw optionError(where, key, "left out when a tracer is given", o[key]);
  }
  if (o.name !== undefined && typeof o.name !== "string") throw optionError(where, "name", "a string", o.name);
  if (o.includeQueryString !== undefined && typeof o.includeQueryString !== "boolean")
    throw optionError(where, "includeQueryString", "a boolean", o.includeQueryString);
  let tracer = o.tracer;
  if (tracer === undefined) {
    if (o.emitter === undefined && o.sampler === undefined && o.logger === undefined) {
      const logger = levelLogger(settings().logLevel);
      tracer = shared ??= new Tracer({ emitter: createUdpEmitter({ logger }), logger });
    } else {
      // The Tracer checks emitter, sampler and logger and throws naming them.
      // The transport's failures are said through the tracer's logger, as everything else is.
      if (o.logger !== undefined && typeof (o.logger as { warn?: unknown })?.warn !== "function")
        throw optionError(where, "logger", "a Logger: { warn(message) }", o.logger);
      const logger = o.logger ?? levelLogger(settings().logLevel);
      tracer = new Tracer({ emitter: o.emitter ?? createUdpEmitter({ logger }), sampler: o.sampler, logger });
    }
  }
  const name = o.name ?? tracer.serviceName;
  if (name === undefined || name === "") throw optionError(where, "name", "a non-empty string (or a tracer with a serviceName)", o.name);
  return { tracer, name, includeQueryString: o.includeQueryString === true };
}
