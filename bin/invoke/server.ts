/**
 * The HTTP side of the Runtime API: routes the four documented endpoints to a handler, answers
 * anything else with 404 (unknown path) or 405 (known path, wrong method), and reads request bodies
 * against a byte limit. What the endpoints mean is the emulator's business (emulator.ts).
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { INIT_ERROR_PATH, INVOCATION_PATH, NEXT_PATH, errorBody } from "./protocol.ts";

export interface RuntimeApiHandlers {
  next(req: IncomingMessage, res: ServerResponse): void;
  invocationResponse(requestId: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
  invocationError(requestId: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
  initError(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export interface RuntimeApiServer {
  /** `127.0.0.1:<port>`, the value of AWS_LAMBDA_RUNTIME_API. */
  address: string;
  close(): Promise<void>;
}

export function sendJson(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/** A request header's value, repeated ones joined as HTTP joins them. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export interface ReadBody {
  bytes: Buffer;
  /** Bytes received in all, kept or not. */
  size: number;
  tooLarge: boolean;
}

/**
 * Reads the whole body, keeping at most `limit` bytes. A body over the limit is still read to its
 * end (and dropped) so that the client, which is still sending, gets to read the 413 instead of a
 * reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => resolve({ bytes: size <= limit ? Buffer.concat(chunks) : Buffer.alloc(0), size, tooLarge: size > limit }));
    req.on("error", reject);
  });
}

export async function startRuntimeApi(handlers: RuntimeApiHandlers, host = "127.0.0.1", port = 0): Promise<RuntimeApiServer> {
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const method = req.method ?? "GET";
    const wrongMethod = (allowed: string): void => {
      req.resume();
      sendJson(res, 405, errorBody("MethodNotAllowed", `${method} is not allowed on ${path}; use ${allowed}`), { Allow: allowed });
    };
    const fail = (e: unknown): void => {
      sendJson(res, 500, errorBody("InternalServerError", e instanceof Error ? e.message : String(e)));
    };
    if (path === NEXT_PATH) {
      if (method !== "GET") return wrongMethod("GET");
      req.resume();
      return handlers.next(req, res);
    }
    if (path === INIT_ERROR_PATH) {
      if (method !== "POST") return wrongMethod("POST");
      handlers.initError(req, res).catch(fail);
      return;
    }
    const match = INVOCATION_PATH.exec(path);
    if (match) {
      if (method !== "POST") return wrongMethod("POST");
      let requestId: string;
      try {
        requestId = decodeURIComponent(match[1] ?? "");
      } catch {
        requestId = match[1] ?? "";
      }
      const work =
        match[2] === "response" ? handlers.invocationResponse(requestId, req, res) : handlers.invocationError(requestId, req, res);
      work.catch(fail);
      return;
    }
    req.resume();
    sendJson(res, 404, errorBody("NotFound", `no such Runtime API resource: ${method} ${path}`));
  };

  const server = http.createServer(route);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: `${host.includes(":") ? `[${host}]` : host}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Parked `next` requests would otherwise hold the server open.
        server.closeAllConnections();
      }),
  };
}
