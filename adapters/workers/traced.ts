/**
 * `traced({ fetch }, options)`: the fetch-style middleware (xray-edge/http's serveTraced) for a
 * Workers module, with a tracer per request. Per request, not per isolate, because workerd ties
 * every I/O and timer to the request that started it: an emitter shared by the isolate would send
 * one request's documents from another's context (a fetch it may cancel when that request ends).
 * Here each request's documents go in one PutTraceSegments call made from its own context, kept
 * alive by its own `ctx.waitUntil`. What is shared is what holds no I/O: the sampler (its 1 per
 * second reservoir is the isolate's), the signer (aws4fetch's key cache) and the warnings said.
 */
import { AwsClient } from "aws4fetch";
import { type Logger, Sampler, type SamplingStrategy, type Segment, Tracer } from "../host/index.ts";
import { levelLogger } from "../context/settings.ts";
import { settings } from "../context/storage.ts";
import { serveTraced } from "../http/fetch-exchange.ts";
import { isThenable } from "../http/record.ts";
import { createXrayApiEmitter } from "../xray-api/emitter.ts";
import { type ResolvedWorkers, resolveWorkersOptions, type WorkersTracingOptions } from "./options.ts";

/** What a Workers runtime passes as the third argument (only waitUntil is used). */
interface ContextLike {
  waitUntil?(promise: Promise<unknown>): void;
}

type FetchHandler = (this: unknown, request: Request, env: any, ctx: any, ...more: any[]) => Response | Promise<Response>;

/** Each request's segment, for explicit parents where workerd has no AsyncLocalStorage (no nodejs_compat). */
const segments = new WeakMap<Request, Segment>();

/**
 * The request's segment while `traced` handles it (unsampled ones included: they carry the trace
 * header downstream); undefined for a request that is not traced.
 *
 * @example
 * await captureAsync("db", () => query(), segmentOf(request));
 */
export function segmentOf(request: Request): Segment | undefined {
  try {
    return segments.get(request);
  } catch {
    return undefined;
  }
}

/** Says each distinct message once per isolate (per-request emitters and tracers would repeat it), at most 64 of them. */
function onceLogger(inner: Logger): Logger {
  const said = new Set<string>();
  return {
    warn(message: string) {
      if (said.has(message) || said.size >= 64) return;
      said.add(message);
      try {
        inner.warn(message);
      } catch {
        // a logger that throws must not break the Worker
      }
    },
  };
}

const text = (env: unknown, name: string): string | undefined => {
  try {
    const v = (env as Record<string, unknown> | null | undefined)?.[name];
    return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
  } catch {
    return undefined;
  }
};

/** What one set of bindings gives: a signer and its Region, or why there is none. */
type Signing = { key: string; signer: AwsClient; region: string } | { key: string; problem: string };

/**
 * Wraps a Workers module's handlers: `fetch` is traced, the others (scheduled, queue...) are kept
 * as they are. Malformed options throw here, at module load; nothing throws later on tracing's
 * account: a request that cannot be traced (a credential binding missing, said once) runs as it
 * would unwrapped, and what the handler throws or rejects with reaches workerd unchanged.
 *
 * @example
 * export default traced({ async fetch(request, env, ctx) { return new Response("ok"); } }, { name: "checkout" });
 */
export function traced<H extends { fetch?: unknown }>(handler: H, options: WorkersTracingOptions): H {
  if (handler === null || typeof handler !== "object" || typeof handler.fetch !== "function")
    throw new TypeError("xray-edge: traced: expected a Workers module's handlers, { fetch(request, env, ctx) { ... } }");
  const o = resolveWorkersOptions(options);
  if (!settings().enabled) return handler;
  const inner = handler.fetch as FetchHandler;
  const logger = onceLogger(o.logger ?? levelLogger(settings().logLevel));
  let sampler: SamplingStrategy | undefined = o.sampler;
  let signing: Signing | undefined;

  /** The request's tracer, or undefined (untraced) when the bindings do not allow one. */
  const tracerFor = (env: unknown): Tracer | undefined => {
    const b = o.bindings;
    const id = text(env, b.accessKeyId);
    const secret = text(env, b.secretAccessKey);
    const token = text(env, b.sessionToken);
    const region = text(env, b.region);
    // The bindings are the same object on every request, in practice: one signer for them all.
    const key = `${id}\n${secret}\n${token}\n${region}`;
    if (signing?.key !== key) signing = sign(o, key, id, secret, token, region);
    if ("problem" in signing) {
      logger.warn(`[xray-edge] traced: ${signing.problem}: requests run untraced`);
      return undefined;
    }
    const emitter = createXrayApiEmitter({ signer: signing.signer, region: signing.region, endpoint: o.endpoint, logger });
    sampler ??= new Sampler();
    return new Tracer({ serviceName: o.name, emitter, sampler, logger });
  };

  function tracedFetch(this: unknown, request: Request, env: unknown, ctx: ContextLike, ...more: unknown[]) {
    let tracer: Tracer | undefined;
    try {
      tracer = tracerFor(env);
    } catch {
      tracer = undefined;
    }
    if (tracer === undefined) return inner.call(this, request, env, ctx, ...more);
    const r = { tracer, name: o.name, includeQueryString: o.includeQueryString };
    const t = tracer;
    let result: ReturnType<FetchHandler>;
    try {
      result = serveTraced(r, inner, this, request, [env, ctx, ...more], (x) => segments.set(request, x.segment));
    } catch (error) {
      keepAlive(ctx, t.flush()); // the segment closed with the throw
      throw error;
    }
    // serveTraced's promise settles once the segment is closed: send then, within waitUntil.
    keepAlive(ctx, isThenable(result) ? Promise.resolve(result).then(flusher(t), flusher(t)) : t.flush());
    return result;
  }
  return { ...handler, fetch: tracedFetch } as H;
}

const flusher = (t: Tracer) => () => t.flush();

/** Holds the request open until `promise` settles; without a ctx (a direct call) the send still runs. */
function keepAlive(ctx: ContextLike, promise: Promise<unknown>): void {
  try {
    ctx?.waitUntil?.(promise);
  } catch {
    // a ctx whose waitUntil throws (the request already over): nothing more can hold it
  }
}

function sign(
  o: ResolvedWorkers,
  key: string,
  id: string | undefined,
  secret: string | undefined,
  token: string | undefined,
  region: string | undefined,
): Signing {
  const b = o.bindings;
  const missing = [id ? "" : b.accessKeyId, secret ? "" : b.secretAccessKey, region ? "" : b.region].filter((n) => n !== "");
  if (missing.length > 0) return { key, problem: `no ${missing.join(", ")} binding (a non-empty string) in env` };
  try {
    const signer = new AwsClient({ accessKeyId: id!, secretAccessKey: secret!, sessionToken: token, service: "xray", region: region! });
    // The emitter checks the Region (and the endpoint) once here rather than on every request.
    createXrayApiEmitter({ signer, region, endpoint: o.endpoint, logger: { warn() {} } });
    return { key, signer, region: region! };
  } catch (error) {
    return { key, problem: `the ${b.region} binding or the endpoint was refused (${(error as Error)?.message ?? error})` };
  }
}
