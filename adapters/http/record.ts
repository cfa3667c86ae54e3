/**
 * What every server wrapper does per request, whatever the server: the segment from the incoming
 * header (or a new trace) sampled on host, method and path; `http.request`; the answer to
 * `Sampled=?`; and, once, `http.response` and the close. Nothing here throws: a wrapper that gets
 * no exchange runs the handler untraced.
 */
import type { HttpData, Segment } from "../host/index.ts";
import type { Resolved } from "./options.ts";
import { runIn } from "../context/storage.ts";

export const TRACE_HEADER = "x-amzn-trace-id";

/** What a request says about itself, read by each wrapper from its own request type. */
export interface RequestFacts {
  method: string;
  /** `http:` or `https:` */
  scheme: string;
  /** The Host header (or the URL's host), as given: the sampling rules match it with its port. */
  host: string;
  /** The path with the query, as in the request line. */
  target: string;
  userAgent: string | undefined;
  /** The first address of X-Forwarded-For, when the header is there. */
  forwardedFor: string | undefined;
  /** The peer's address, used when there is no X-Forwarded-For. */
  remoteAddress: string | undefined;
  traceHeader: string | undefined;
}

/** One traced request: its segment, and what to send back in X-Amzn-Trace-Id (or undefined). */
export class Exchange {
  readonly segment: Segment;
  /** `Root=…;Sampled=1|0` when the caller asked with Sampled=?, as aws-xray-sdk-core answers. */
  readonly answer: string | undefined;
  /** Kept until the close: the core's setHttp replaces the whole `http` member, so both go in one call. */
  readonly #request: HttpData["request"];
  #closed = false;

  constructor(segment: Segment, answer: string | undefined, request: HttpData["request"]) {
    this.segment = segment;
    this.answer = answer;
    this.#request = request;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Records the handler's exception (cause and fault); the caller rethrows it. */
  fail(error: unknown): void {
    if (this.#closed) return;
    try {
      this.segment.addError(error);
    } catch {
      // the segment never throws; a broken build must not break the server either
    }
  }

  /**
   * Closes the segment, once: with the response's status (which sets error, throttle or fault)
   * and length when there was one; without `http.response` when the client went away first.
   */
  finish(status: number | undefined, contentLength: number | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      if (this.segment.sampled) {
        const http: HttpData = { request: this.#request };
        if (status !== undefined) {
          http.response = contentLength === undefined ? { status } : { status, content_length: contentLength };
        }
        this.segment.setHttp(http);
      }
      this.segment.close();
    } catch {
      // idem
    }
  }
}

/** The first entry of X-Forwarded-For (client, proxy1, proxy2: the client is first). */
export function firstForwarded(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const comma = value.indexOf(",");
  const first = (comma < 0 ? value : value.slice(0, comma)).trim();
  return first === "" ? undefined : first;
}

/** A Content-Length header as a number; undefined when absent or not a plain non-negative integer. */
export function contentLength(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string" || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Whether the header's Sampled field is `?`, by the README's header rules (fields split on `;`,
 * key and value on the first `=`, trimmed, keys case-insensitive, the last occurrence wins)
 * without a second parse in the core: most requests carry no `?` and stop at the first test.
 */
export function asksForDecision(header: string | undefined): boolean {
  if (header === undefined || !header.includes("?") || header.length > 8192) return false;
  let asked = false;
  for (const field of header.split(";")) {
    const at = field.indexOf("=");
    if (at < 0 || field.slice(0, at).trim().toLowerCase() !== "sampled") continue;
    asked = field.slice(at + 1).trim() === "?";
  }
  return asked;
}

/** Begins the request's segment; undefined when tracing failed (the handler then runs untraced). */
export function beginExchange(r: Resolved, f: RequestFacts): Exchange | undefined {
  try {
    const q = f.target.indexOf("?");
    const path = q < 0 ? f.target : f.target.slice(0, q);
    const segment = r.tracer.beginSegment(r.name, {
      traceHeader: f.traceHeader,
      // serviceName: the segment's name, as aws-xray-sdk-core's middleware gives its sampler.
      request: { host: f.host, method: f.method, urlPath: path, serviceName: r.name },
    });
    const answer = asksForDecision(f.traceHeader) ? `Root=${segment.traceId};Sampled=${segment.sampled ? 1 : 0}` : undefined;
    let request: HttpData["request"];
    if (segment.sampled) {
      request = {
        method: f.method,
        url: `${f.scheme}//${f.host}${r.includeQueryString ? f.target : path}`,
      };
      if (f.userAgent !== undefined) request.user_agent = f.userAgent;
      if (f.forwardedFor !== undefined) {
        request.client_ip = f.forwardedFor;
        request.x_forwarded_for = true;
      } else if (f.remoteAddress !== undefined) request.client_ip = f.remoteAddress;
    }
    return new Exchange(segment, answer, request);
  } catch {
    return undefined;
  }
}

/** Whether `value` is a promise-like (the handler's result is then awaited by its caller). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null && (typeof value === "object" || typeof value === "function") && typeof (value as { then?: unknown }).then === "function"
  );
}

/**
 * Runs `fn` with the exchange's segment current. What it throws is recorded (cause and fault) and
 * thrown again; a promise it returns is replaced by one that settles the same way, so a rejection
 * is still the caller's to handle (or unhandled, as it was).
 */
export function runTraced<R>(x: Exchange, fn: () => R): R {
  return runIn(x.segment, () => {
    let result: R;
    try {
      result = fn();
    } catch (error) {
      x.fail(error);
      throw error;
    }
    if (!isThenable(result)) return result;
    return Promise.resolve(result).then(undefined, (error: unknown) => {
      x.fail(error);
      throw error;
    }) as R;
  });
}
