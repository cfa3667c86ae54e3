/**
 * openSegment / closeSegment in an Express-like chain (no express dependency): a minimal router
 * over node:http that calls `(req, res, next)` middlewares in order, skips to the next 4-argument
 * handler on `next(err)` (or a throw), and ends with Express's final handler (500 on an error, 404
 * otherwise). Checks the segment, the context across the chain, and the error's path.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { IncomingMessage, ServerResponse } from "node:http";
import { getSegment } from "../../adapters/context/index.ts";
import { closeSegment, openSegment } from "../../adapters/http/index.ts";
import { documents, flags, get, newHeader, serve, setup } from "./helpers.ts";

type Layer = (...args: any[]) => unknown;

function app(stack: Layer[], finalErrors: unknown[] = []) {
  return (req: IncomingMessage, res: ServerResponse) => {
    let i = 0;
    const next = (err?: unknown): void => {
      const layer = stack[i++];
      if (!layer) {
        if (err !== undefined) finalErrors.push(err);
        res.statusCode = err !== undefined ? 500 : 404;
        res.end();
        return;
      }
      try {
        if (err !== undefined) {
          if (layer.length === 4) layer(err, req, res, next);
          else next(err);
        } else if (layer.length < 4) layer(req, res, next);
        else next();
      } catch (thrown) {
        next(thrown);
      }
    };
    next();
  };
}

test("openSegment: a segment named as given with http, current in later middlewares across awaits, req.segment set; closeSegment passes through", async () => {
  const { tracer, emitter } = setup();
  const seen: unknown[] = [];
  const s = await serve(
    app([
      openSegment("shop", { tracer }),
      (req: any, _res: ServerResponse, next: () => void) => {
        seen.push(req.segment);
        next();
      },
      async (_req: any, res: ServerResponse) => {
        await new Promise((r) => setTimeout(r, 1));
        seen.push(getSegment());
        res.statusCode = 201;
        res.end("made");
      },
      closeSegment(),
    ]),
  );
  try {
    const incoming = newHeader("1");
    const answer = await get(s.base, "/items?x=1", { "x-amzn-trace-id": incoming.header, "user-agent": "ua" });
    assert.is(answer.status, 201);
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.name, "shop");
    assert.is(doc!.trace_id, incoming.root);
    assert.is(doc!.parent_id, incoming.parent);
    assert.equal(doc!.http, {
      request: { method: "GET", url: `http://127.0.0.1:${s.port}/items`, user_agent: "ua", client_ip: "127.0.0.1" },
      response: { status: 201 },
    });
    assert.is((seen[0] as { id: string }).id, doc!.id);
    assert.is(seen[1], seen[0], "getSegment() after an await is req.segment");
  } finally {
    await s.close();
  }
});

test("next(err): closeSegment records the error (fault) and passes the same error on; Express's 500 closes the segment", async () => {
  const { tracer, emitter } = setup();
  const boom = new TypeError("route failed");
  const finalErrors: unknown[] = [];
  const s = await serve(
    app(
      [
        openSegment("shop", { tracer }),
        (_req: any, _res: any, next: (e?: unknown) => void) => next(boom),
        (_req: any, res: ServerResponse) => res.end("never"),
        closeSegment(),
      ],
      finalErrors,
    ),
  );
  try {
    const answer = await get(s.base, "/fail");
    assert.is(answer.status, 500);
    assert.equal(finalErrors, [boom]);
    assert.is(finalErrors[0], boom);
    const [doc] = await documents(emitter, 1);
    assert.equal(flags(doc!), { error: false, throttle: false, fault: true });
    assert.is(doc!.cause.exceptions[0].message, "route failed");
    assert.is(doc!.cause.exceptions[0].type, "TypeError");
    assert.equal(doc!.http.response, { status: 500 });
  } finally {
    await s.close();
  }
});

test("a mounted router's rewritten req.url: the segment keeps the request line's path (originalUrl); a 404 sets error", async () => {
  const { tracer, emitter, asked } = setup();
  const s = await serve(
    app([
      (req: any, _res: any, next: () => void) => {
        req.originalUrl = req.url;
        next();
      },
      openSegment("api", { tracer }),
      closeSegment(),
    ]),
  );
  try {
    const answer = await get(s.base, "/v1/missing");
    assert.is(answer.status, 404);
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.http.request.url, `http://127.0.0.1:${s.port}/v1/missing`);
    assert.equal(flags(doc!), { error: true, throttle: false, fault: false });
    assert.is(asked[0]!.urlPath, "/v1/missing");
  } finally {
    await s.close();
  }
});

test("openSegment checks its name and options when called", () => {
  assert.throws(() => (openSegment as any)(), /expected a segment name \(a non-empty string\), got undefined/);
  assert.throws(() => openSegment(""), /expected a segment name/);
  assert.throws(() => openSegment("x", { includeQueryString: 1 } as never), /option "includeQueryString" must be a boolean/);
  assert.type(closeSegment(), "function");
  assert.is(closeSegment().length, 4, "Express tells error handlers by their four parameters");
  assert.is(openSegment("x", { tracer: setup().tracer }).length, 3);
});

test.run();
