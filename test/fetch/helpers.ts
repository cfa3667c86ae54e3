/**
 * A real local HTTP server that records what each request carried (method, path with query, every
 * X-Amzn-Trace-Id line as sent, the body), a closed port for network errors, and a tracer that
 * samples everything with an in-memory emitter.
 */
import type { Test } from "uvu";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { randomBytes } from "node:crypto";
import * as assert from "uvu/assert";
import { Tracer, MemoryEmitter } from "../../adapters/host/index.ts";
import { withSegment } from "../../adapters/context/index.ts";

export interface Received {
  method: string;
  /** Path and query as the server saw them. */
  url: string;
  /** Every X-Amzn-Trace-Id header line of the request, in order (from the raw headers). */
  traceHeaders: string[];
  headers: IncomingHttpHeaders;
  body: string;
}

export const BODY = "hello world"; // 11 bytes

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  host: string;
  received: Received[];
  close(): Promise<void>;
}

/**
 * Routes: `/status/<n>` answers n with BODY and its Content-Length; `/chunked` answers 200 without
 * a Content-Length; `/slow-body` sends the headers, then the rest of the body 300 ms later.
 */
export async function startServer(): Promise<TestServer> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const traceHeaders: string[] = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        if (req.rawHeaders[i]!.toLowerCase() === "x-amzn-trace-id") traceHeaders.push(req.rawHeaders[i + 1]!);
      }
      received.push({
        method: req.method!,
        url: req.url!,
        traceHeaders,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      const path = req.url!.split("?")[0]!;
      const status = /^\/status\/(\d{3})$/.exec(path);
      if (status) {
        res.writeHead(Number(status[1]), { "content-type": "text/plain", "content-length": String(Buffer.byteLength(BODY)) });
        res.end(BODY);
      } else if (path === "/chunked") {
        res.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
        res.write("hello ");
        res.end("world");
      } else if (path === "/slow-body") {
        res.writeHead(200, { "content-type": "text/plain", "content-length": "5" });
        res.write("he");
        setTimeout(() => res.end("llo"), 300);
      } else {
        res.writeHead(400);
        res.end("unknown route");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    base: `http://127.0.0.1:${port}`,
    host: "127.0.0.1",
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on a port nothing listens on (a server bound there, then closed). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/nothing-here`;
}

/** A tracer that samples every segment, its documents kept in memory, its warnings kept. */
export function setup() {
  const emitter = new MemoryEmitter();
  const warnings: string[] = [];
  const tracer = new Tracer({
    serviceName: "fetch-test",
    emitter,
    sampler: { shouldSample: () => ({ sampled: true, rule: "test" }) },
    logger: { warn: (m) => void warnings.push(m) },
  });
  return { tracer, emitter, warnings };
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
export function headerFields(header: string | undefined): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0) fields[part.slice(0, at).trim()] = part.slice(at + 1).trim();
  }
  return fields;
}

/** Captures console.error while `fn` runs. */
export async function capturingErrors<R>(fn: () => Promise<R>): Promise<{ result: R; errors: string[] }> {
  const errors: string[] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void errors.push(args.map(String).join(" "));
  try {
    return { result: await fn(), errors };
  } finally {
    console.error = original;
  }
}

export const ID16 = /^[0-9a-f]{16}$/;

/**
 * The test server for one suite: started before its tests, its `received` cleared before each test,
 * closed after. The object is filled in when the suite starts: use it inside tests.
 */
export function suiteServer(suite: Test): TestServer {
  const server = {} as TestServer;
  suite.before(async () => {
    Object.assign(server, await startServer());
  });
  suite.before.each(() => {
    server.received.length = 0;
  });
  suite.after(() => server.close());
  return server;
}

/** Runs `fn` in a sampled segment (on a fresh incoming header) and returns the segment's document. */
export async function traced<R>(fn: () => Promise<R>) {
  const { tracer, emitter } = setup();
  const incoming = newHeader("1");
  const segment = tracer.beginSegment("test", { traceHeader: incoming.header });
  const result = await withSegment(segment, fn);
  segment.close();
  const docs = emitter.documents();
  assert.is(docs.length, 1, "one document");
  return { doc: docs[0]!, result, root: incoming.root };
}
