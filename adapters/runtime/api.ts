/**
 * The Lambda Runtime API (2018-06-01) over fetch (on Node, over node:http in fetch's shape:
 * node-transport.ts): the next invocation, its response or error, and the init error. A request that cannot be made, or an answer of 500 ("container error,
 * non-recoverable: the runtime should exit"), throws RuntimeApiFailure, which ends the process;
 * other refusals (400, 403, 413) are returned for the caller to report.
 *
 * Every request goes through the fetch this module found when it loaded (on Node, the
 * ClientRequest node-transport.ts found at start), before the handler's module: a handler that replaces globalThis.fetch (`globalThis.fetch = instrumentFetch()`, as
 * docs/migration.md suggests) must not trace the loop's own calls. Traced, they run outside any
 * invocation: with AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR they reject (and the runtime would
 * exit), with the default they warn "no segment in context" on every cold start.
 */
import { errorTypeHeader, type ErrorDocument } from "./errors.ts";

/** What the loop reads of an answer: fetch's Response has it, and so does node-transport.ts's. */
export interface RuntimeResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** The part of fetch the loop calls: globalThis.fetch is one, node-transport.ts's another. */
export type RuntimeFetch = (
  url: string,
  init?: { method?: string; body?: string; headers?: Record<string, string>; timeout?: false },
) => Promise<RuntimeResponse>;

/** The fetch of this runtime as it was when the loop's bundle loaded. */
const startingFetch: RuntimeFetch | undefined =
  typeof globalThis.fetch === "function" ? (globalThis.fetch.bind(globalThis) as RuntimeFetch) : undefined;

/** The Runtime API cannot be reached or is in a state the runtime cannot go on from. */
export class RuntimeApiFailure extends Error {
  override name = "RuntimeApiFailure";
}

export interface Invocation {
  requestId: string;
  body: string;
  headers: RuntimeResponse["headers"];
}

export interface Answer {
  status: number;
  text: string;
}

/** The fetch failure's own words and its cause's (Node's "fetch failed" says nothing alone). */
export function describeFailure(error: unknown): string {
  const e = error as { message?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const message = String(e?.message ?? error);
  const cause = e?.cause;
  if (cause === undefined || cause === null) return message;
  const detail = cause.code !== undefined ? String(cause.code) : String(cause.message ?? cause);
  return message.includes(detail) ? message : `${message} (${detail})`;
}

/**
 * Node's fetch gives up on an answer after 300 s (undici's headers and body timeouts): for the
 * long poll of /next that is not a failure, the request is made again. Bun's idle timeout is
 * turned off on that request instead (`timeout: false`); Deno has none.
 */
function isPollTimeout(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT") return true;
  }
  return false;
}

export class RuntimeApi {
  readonly base: string;
  private readonly fetch: RuntimeFetch;

  /**
   * `address` is AWS_LAMBDA_RUNTIME_API's `host:port` (or a URL with its scheme); `fetchImpl`, the
   * fetch to use, defaults to the one found at load (never the global as it is at call time).
   */
  constructor(address: string, fetchImpl: RuntimeFetch | undefined = startingFetch) {
    if (fetchImpl === undefined) throw new RuntimeApiFailure("this runtime has no fetch: the Runtime API cannot be reached");
    this.fetch = fetchImpl;
    const origin = /^https?:\/\//i.test(address) ? address.replace(/\/+$/, "") : `http://${address}`;
    this.base = `${origin}/2018-06-01/runtime`;
  }

  /** Waits for the next invocation (no timeout: Lambda may freeze the process while it waits). */
  async next(): Promise<Invocation> {
    const url = `${this.base}/invocation/next`;
    for (;;) {
      let response: RuntimeResponse;
      let body: string;
      try {
        response = await this.fetch(url, { timeout: false });
        body = await response.text();
      } catch (error) {
        if (isPollTimeout(error)) continue;
        throw new RuntimeApiFailure(`GET ${url} failed: ${describeFailure(error)}`);
      }
      if (!response.ok) throw new RuntimeApiFailure(`GET ${url} answered ${response.status}: ${body.slice(0, 500)}`);
      const requestId = response.headers.get("Lambda-Runtime-Aws-Request-Id");
      if (!requestId) throw new RuntimeApiFailure(`GET ${url} answered without a Lambda-Runtime-Aws-Request-Id header`);
      return { requestId, body, headers: response.headers };
    }
  }

  /** Where a streamed response goes (stream.ts sends it over node:http, not this fetch). */
  responseUrl(requestId: string): string {
    return `${this.base}/invocation/${encodeURIComponent(requestId)}/response`;
  }

  respond(requestId: string, json: string): Promise<Answer> {
    return this.post(`/invocation/${encodeURIComponent(requestId)}/response`, json, {});
  }

  /** The error document, its type as Lambda-Runtime-Function-Error-Type, and the X-Ray cause when given. */
  fail(requestId: string, error: ErrorDocument, xrayCause: string | undefined): Promise<Answer> {
    const headers: Record<string, string> = { "Lambda-Runtime-Function-Error-Type": errorTypeHeader(error.errorType) };
    if (xrayCause !== undefined) headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xrayCause;
    return this.post(`/invocation/${encodeURIComponent(requestId)}/error`, JSON.stringify(error), headers);
  }

  initError(error: ErrorDocument): Promise<Answer> {
    return this.post("/init/error", JSON.stringify(error), { "Lambda-Runtime-Function-Error-Type": errorTypeHeader(error.errorType) });
  }

  private async post(path: string, body: string, headers: Record<string, string>): Promise<Answer> {
    const url = `${this.base}${path}`;
    let response: RuntimeResponse;
    let text: string;
    try {
      response = await this.fetch(url, { method: "POST", body, headers: { "Content-Type": "application/json", ...headers } });
      text = await response.text();
    } catch (error) {
      throw new RuntimeApiFailure(`POST ${url} failed: ${describeFailure(error)}`);
    }
    if (response.status >= 500)
      throw new RuntimeApiFailure(`POST ${url} answered ${response.status} (container error): ${text.slice(0, 500)}`);
    return { status: response.status, text };
  }
}
