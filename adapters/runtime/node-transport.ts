/**
 * The loop's Runtime API client on Node: node:http with one keep-alive agent, in the shape of the
 * fetch the loop takes (api.ts), as Lambda's own Node runtime client posted its answers. Node's
 * fetch (undici) builds a Request, Headers, an AbortSignal and a ReadableStream for every call:
 * measured here (Node 20, bench/fixtures/paired.mjs through the emulator, CPU time of the runtime
 * process read from /proc, two interleaved runs of each), an untraced invocation cost the loop
 * 1.8–1.9 ms of CPU over fetch and 0.5–0.6 ms over this, on a 2-core machine running other work;
 * and undici, loaded on the first call, put a fresh runtime's first response (a traced empty
 * handler) at 199–224 ms after spawn against 118–129 ms over this. Bun's and Deno's fetch are native and cheap,
 * and node:http costs them 30–140 ms to import (stream.ts), so they keep fetch.
 *
 * Like the fetch api.ts keeps, the request function is the one found before the handler's module
 * loads: `new ClientRequest`, never `http.request`, which aws-xray-sdk-core's captureHTTPsGlobal
 * patches and would then record the loop's own calls. The agent keeps sockets between calls, lets
 * an idle one go before the server's `Keep-Alive: timeout` hint (Node's agent does), and never
 * keeps the process alive with an idle socket; no request has a timeout (the `next` poll waits as
 * long as Lambda takes).
 */
import type { IncomingMessage } from "node:http";
import type { RuntimeFetch, RuntimeResponse } from "./api.ts";

const host = globalThis as { process?: { versions?: Record<string, string | undefined> }; Bun?: unknown; Deno?: unknown };

/** Node itself (not Bun or Deno, which also have process.versions.node). */
export const isNode = host.process?.versions?.node !== undefined && host.Bun === undefined && host.Deno === undefined;

/** The header reader of a node:http answer (its names are lower-cased, repeated values a list). */
function headerReader(res: IncomingMessage): RuntimeResponse["headers"] {
  return {
    get(name: string): string | null {
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}

/** Imports node:http and gives the loop's transport over it. */
export async function nodeTransport(): Promise<RuntimeFetch> {
  const { Agent, ClientRequest } = await import("node:http");
  const agent = new Agent({ keepAlive: true });
  return (url, init = {}) =>
    new Promise<RuntimeResponse>((resolve, reject) => {
      const target = new URL(url);
      let settled = false;
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      try {
        const req = new ClientRequest(
          {
            hostname: target.hostname.replace(/^\[(.*)\]$/, "$1"),
            port: target.port,
            path: `${target.pathname}${target.search}`,
            method: init.method ?? "GET",
            headers: init.headers,
            agent,
          },
          (res) => {
            const chunks: string[] = [];
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => chunks.push(chunk));
            res.on("error", fail);
            res.on("end", () => {
              if (settled) return;
              settled = true;
              const text = chunks.join("");
              const status = res.statusCode ?? 0;
              resolve({ ok: status >= 200 && status <= 299, status, headers: headerReader(res), text: () => Promise.resolve(text) });
            });
            // Closed before its end (the server went away mid-answer): not an answer.
            res.on("close", () => fail(Object.assign(new Error("the connection closed before the answer ended"), { code: "ECONNRESET" })));
          },
        );
        req.on("error", fail);
        req.end(init.body);
      } catch (error) {
        fail(error);
      }
    });
}
