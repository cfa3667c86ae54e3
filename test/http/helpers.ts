/**
 * What the server-middleware suites share: a tracer with an in-memory emitter and a sampler that
 * records what it was asked, real servers on 127.0.0.1, a client that sends exactly the headers
 * given, a fetch-style bridge over node:http (Node has no Request server of its own), and waiting
 * for a condition with a deadline (documents leave when the response finishes on the server,
 * which may come after the client has read it).
 */
import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server } from "node:http";
import { MemoryEmitter, type SamplingRequest, Tracer } from "../../adapters/host/index.ts";

export function setup(decide: (r: SamplingRequest) => boolean = () => true, serviceName = "svc") {
  const emitter = new MemoryEmitter();
  const asked: SamplingRequest[] = [];
  const warnings: string[] = [];
  const tracer = new Tracer({
    serviceName,
    emitter,
    sampler: { shouldSample: (r = {}) => (asked.push(r), { sampled: decide(r), rule: "test" }) },
    logger: { warn: (m) => void warnings.push(m) },
  });
  return { tracer, emitter, asked, warnings };
}

export interface Running {
  base: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function serve(listener: RequestListener): Promise<Running> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

/** One request with node's client, no keep-alive, exactly these headers (no Date, no extras but Host). */
export function get(base: string, path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Polls `condition` until it holds, or fails after `ms` naming what was awaited. */
export async function waitFor(what: string, condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Documents, once `n` have arrived. */
export async function documents(emitter: MemoryEmitter, n: number): Promise<Record<string, any>[]> {
  await waitFor(`${n} document(s)`, () => emitter.datagrams.length >= n);
  return emitter.documents();
}

/** A fresh incoming header: a random Root and Parent, with the given Sampled field. */
export function newHeader(sampled: "1" | "0" | "?" | null = "1"): { header: string; root: string; parent: string } {
  const root = `1-${Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, "0")}-${randomBytes(12).toString("hex")}`;
  const parent = randomBytes(8).toString("hex");
  return { header: `Root=${root};Parent=${parent}${sampled === null ? "" : `;Sampled=${sampled}`}`, root, parent };
}

/** `Root=a;Parent=b;Sampled=1` → { Root: "a", Parent: "b", Sampled: "1" }, written here, not the core's parser. */
export function headerFields(header: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of String(header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) fields[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return fields;
}

export const ID16 = /^[0-9a-f]{16}$/;
export const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

/** Flags of a document as one object, absent ones false: `{ error, throttle, fault }`. */
export function flags(doc: Record<string, any>) {
  return { error: doc.error === true, throttle: doc.throttle === true, fault: doc.fault === true };
}

type FetchHandler = (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>;

/**
 * A fetch-style server over node:http, as Deno.serve calls its handler: the Request (its signal
 * aborted when the client goes away before the response ends) and `{ remoteAddr }`. A handler's
 * exception becomes a 500 and is kept in `errors`, so a test can check it is the one thrown.
 */
export async function serveFetch(handler: FetchHandler): Promise<Running & { errors: unknown[] }> {
  const errors: unknown[] = [];
  const running = await serve(async (req, res) => {
    const controller = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
    const request = new Request(`http://${req.headers.host}${req.url}`, { method: req.method, headers, signal: controller.signal });
    let response: Response;
    try {
      response = await handler(request, { remoteAddr: { hostname: req.socket.remoteAddress! } });
    } catch (error) {
      errors.push(error);
      res.statusCode = 500;
      res.end();
      return;
    }
    res.statusCode = response.status;
    response.headers.forEach((v, k) => void res.setHeader(k, v));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return { ...running, errors };
}
