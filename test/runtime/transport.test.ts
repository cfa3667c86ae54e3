/**
 * The loop's Runtime API client on Node (adapters/runtime/node-transport.ts), from the sources,
 * against a local node:http server: what the loop reads of an answer, one kept socket for calls
 * in turn, a patched `http.request` never used, and the failures the loop turns into
 * RuntimeApiFailure (a refused connection, an answer cut off before its end).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RuntimeApi, RuntimeApiFailure } from "../../adapters/runtime/api.ts";
import { nodeTransport } from "../../adapters/runtime/node-transport.ts";

type Route = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

async function serve(route: Route): Promise<{ url: string; sockets: Set<Socket>; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => route(req, body, res));
  });
  server.on("connection", (s) => sockets.add(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test("an answer: status, ok, headers by any case, the body as text; the request's method, headers and body", async () => {
  const seen: { method?: string; type?: string; body?: string } = {};
  const s = await serve((req, body, res) => {
    Object.assign(seen, { method: req.method, type: req.headers["content-type"], body });
    res.writeHead(202, { "Lambda-Runtime-Aws-Request-Id": "r-1", "Content-Type": "application/json" });
    res.end('{"é":"ü"}');
  });
  try {
    const fetch = await nodeTransport();
    const r = await fetch(`${s.url}/x`, { method: "POST", body: '{"a":1}', headers: { "Content-Type": "application/json" } });
    assert.is(r.status, 202);
    assert.is(r.ok, true);
    assert.is(r.headers.get("lambda-runtime-aws-request-id"), "r-1");
    assert.is(r.headers.get("Lambda-Runtime-Aws-Request-Id"), "r-1");
    assert.is(r.headers.get("Lambda-Runtime-Trace-Id"), null);
    assert.is(await r.text(), '{"é":"ü"}');
    assert.equal(seen, { method: "POST", type: "application/json", body: '{"a":1}' });
    const again = await fetch(`${s.url}/y`);
    assert.is(again.status, 202);
  } finally {
    await s.close();
  }
});

test("calls in turn share one kept-alive socket", async () => {
  const s = await serve((_req, _body, res) => res.end("ok"));
  try {
    const fetch = await nodeTransport();
    for (let i = 0; i < 5; i++) assert.is(await (await fetch(`${s.url}/n`)).text(), "ok");
    assert.is(s.sockets.size, 1);
  } finally {
    await s.close();
  }
});

test("a patched http.request (aws-xray-sdk-core's captureHTTPsGlobal) is never called", async () => {
  const s = await serve((_req, _body, res) => res.end("ok"));
  const original = http.request;
  let patchedCalls = 0;
  (http as { request: unknown }).request = (...args: Parameters<typeof http.request>) => {
    patchedCalls++;
    return original(...args);
  };
  try {
    const fetch = await nodeTransport();
    assert.is(await (await fetch(`${s.url}/n`)).text(), "ok");
    assert.is(patchedCalls, 0);
  } finally {
    (http as { request: unknown }).request = original;
    await s.close();
  }
});

test("the Runtime API over it: an answer cut off before its end and a refused connection are RuntimeApiFailure", async () => {
  const s = await serve((_req, _body, res) => {
    res.writeHead(200, { "Content-Length": "100", "Lambda-Runtime-Aws-Request-Id": "r-2" });
    res.write("partial");
    res.socket?.destroy();
  });
  const { url } = s;
  try {
    const api = new RuntimeApi(url, await nodeTransport());
    const cut = await api.next().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(cut, RuntimeApiFailure);
    assert.match((cut as Error).message, /^GET http:\/\/127\.0\.0\.1:\d+\/2018-06-01\/runtime\/invocation\/next failed: /);
  } finally {
    await s.close();
  }
  // The server is closed now: its port refuses.
  const api = new RuntimeApi(url, await nodeTransport());
  const refused = await api.respond("r-3", "null").then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(refused, RuntimeApiFailure);
  assert.match((refused as Error).message, /ECONNREFUSED/);
});

test.run();
