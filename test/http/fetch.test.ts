/**
 * traceFetchHandler on Node, behind a fetch-style bridge over node:http (helpers.ts: Request in,
 * Response out, `{ remoteAddr }` as Deno.serve gives it), driven with fetch on 127.0.0.1. Bun.serve
 * and Deno.serve themselves: runtimes.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { captureAsync, getSegment } from "../../adapters/context/index.ts";
import { traceFetchHandler } from "../../adapters/http/index.ts";
import { documents, flags, headerFields, ID16, newHeader, serveFetch, setup, TRACE_ID, waitFor } from "./helpers.ts";

test("a 200: name, new trace, http.request (client_ip from the runtime's peer info), http.response with Content-Length; the handler's own Response", async () => {
  const { tracer, emitter, asked } = setup();
  let made: Response | undefined;
  const handler = traceFetchHandler(
    (_request: Request, _info: unknown) => {
      made = new Response("hello", { status: 200, headers: { "content-length": "5" } });
      return made;
    },
    { tracer, name: "edge" },
  );
  let returned: unknown;
  const s = await serveFetch((request, info) => (returned = handler(request, info)) as Response);
  try {
    const answer = await fetch(`${s.base}/a/b?q=1`, { headers: { "user-agent": "fetch-test" } });
    assert.is(await answer.text(), "hello");
    assert.is(returned, made, "a synchronous Response comes back as it is");
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.name, "edge");
    assert.match(doc!.trace_id, TRACE_ID);
    assert.match(doc!.id, ID16);
    assert.equal(doc!.http, {
      request: { method: "GET", url: `http://127.0.0.1:${s.port}/a/b`, user_agent: "fetch-test", client_ip: "127.0.0.1" },
      response: { status: 200, content_length: 5 },
    });
    assert.equal(flags(doc!), { error: false, throttle: false, fault: false });
    assert.equal(asked, [{ host: `127.0.0.1:${s.port}`, method: "GET", urlPath: "/a/b", serviceName: "edge" }]);
  } finally {
    await s.close();
  }
});

test("async handler: context across awaits, X-Forwarded-For, flags by status, and the Sampled=? answer also on an immutable Response", async () => {
  const { tracer, emitter } = setup();
  const ids: (string | undefined)[] = [];
  const s = await serveFetch(
    traceFetchHandler(
      async (request: Request) => {
        await new Promise((r) => setTimeout(r, 1));
        ids.push(getSegment()?.id);
        await captureAsync("inner", async () => undefined);
        const path = new URL(request.url).pathname;
        if (path === "/redirect") return Response.redirect("http://127.0.0.1/elsewhere", 302);
        return new Response(null, { status: Number(path.slice(1)) });
      },
      { tracer },
    ),
  );
  try {
    const asked = newHeader("?");
    const r429 = await fetch(`${s.base}/429`, {
      headers: { "x-amzn-trace-id": asked.header, "x-forwarded-for": "198.51.100.2, 10.1.1.1", "user-agent": "ua-429" },
    });
    assert.is(r429.status, 429);
    assert.equal(headerFields(r429.headers.get("x-amzn-trace-id")), { Root: asked.root, Sampled: "1" });
    const again = newHeader("?");
    const redirect = await fetch(`${s.base}/redirect`, { headers: { "x-amzn-trace-id": again.header }, redirect: "manual" });
    assert.is(redirect.status, 302);
    assert.is(redirect.headers.get("location"), "http://127.0.0.1/elsewhere");
    assert.equal(headerFields(redirect.headers.get("x-amzn-trace-id")), { Root: again.root, Sampled: "1" });
    await fetch(`${s.base}/500`);
    const docs = await documents(emitter, 3);
    const byRoot = new Map(docs.map((d) => [d.trace_id, d]));
    const d429 = byRoot.get(asked.root)!;
    assert.equal(d429.http.request, {
      method: "GET",
      url: `http://127.0.0.1:${s.port}/429`,
      user_agent: "ua-429",
      client_ip: "198.51.100.2",
      x_forwarded_for: true,
    });
    assert.equal(d429.http.response, { status: 429 });
    assert.equal(flags(d429), { error: true, throttle: true, fault: false });
    assert.equal(flags(byRoot.get(again.root)!), { error: false, throttle: false, fault: false });
    const d500 = docs.find((d) => d.trace_id !== asked.root && d.trace_id !== again.root)!;
    assert.equal(flags(d500), { error: false, throttle: false, fault: true });
    for (const doc of docs) {
      assert.ok(ids.includes(doc.id), "getSegment() after an await was this request's segment");
      assert.equal(
        doc.subsegments.map((x: any) => x.name),
        ["inner"],
      );
    }
  } finally {
    await s.close();
  }
});

test("a handler that throws or rejects: recorded with fault, and the server gets the same error", async () => {
  const { tracer, emitter } = setup();
  const sync = new Error("sync boom");
  const later = new SyntaxError("async boom");
  const s = await serveFetch(
    traceFetchHandler(
      (request: Request) => {
        if (request.url.endsWith("/sync")) throw sync;
        return Promise.reject(later);
      },
      { tracer },
    ),
  );
  try {
    assert.is((await fetch(`${s.base}/sync`)).status, 500);
    assert.is((await fetch(`${s.base}/async`)).status, 500);
    assert.equal(s.errors, [sync, later]);
    assert.is(s.errors[0], sync);
    assert.is(s.errors[1], later);
    const docs = await documents(emitter, 2);
    const messages = docs.map((d) => d.cause.exceptions[0].message).sort();
    assert.equal(messages, ["async boom", "sync boom"]);
    for (const doc of docs) {
      assert.equal(flags(doc), { error: false, throttle: false, fault: true });
      assert.is(doc.http.response, undefined, "the status is the server's to choose, not recorded as a guess");
    }
  } finally {
    await s.close();
  }
});

test("a client that aborts before the Response: the segment closes then, without http.response", async () => {
  const { tracer, emitter } = setup();
  let arrived!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let handlerDone = false;
  const s = await serveFetch(
    traceFetchHandler(
      async () => {
        arrived();
        await held;
        handlerDone = true;
        return new Response("late");
      },
      { tracer },
    ),
  );
  try {
    const controller = new AbortController();
    const call = fetch(`${s.base}/slow`, { signal: controller.signal }).catch((e) => e);
    await reached;
    controller.abort();
    assert.is(((await call) as Error).name, "AbortError");
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.http.response, undefined);
    assert.is(doc!.http.request.url, `http://127.0.0.1:${s.port}/slow`);
    release();
    // The late Response must not close it again: still one document once the handler is done
    // (the wrapper's continuation runs in the microtasks after it, all before the next macrotask).
    await waitFor("the handler to return", () => handlerDone);
    await new Promise((r) => setImmediate(r));
    assert.is(emitter.datagrams.length, 1);
  } finally {
    release();
    await s.close();
  }
});

test("50 interleaved requests: each in its own trace", async () => {
  const { tracer, emitter } = setup();
  const N = 50;
  const s = await serveFetch(
    traceFetchHandler(
      async (request: Request) => {
        const n = Number(new URL(request.url).pathname.slice(1));
        // Reverse order of completion: later requests wait less.
        await new Promise((r) => setTimeout(r, (N - n) % 7));
        return captureAsync(`work-${n}`, async () => new Response(getSegment()?.traceId));
      },
      { tracer },
    ),
  );
  try {
    const headers = Array.from({ length: N }, () => newHeader("1"));
    const bodies = await Promise.all(
      headers.map(async (h, n) => (await fetch(`${s.base}/${n}`, { headers: { "x-amzn-trace-id": h.header } })).text()),
    );
    assert.equal(
      bodies,
      headers.map((h) => h.root),
    );
    const docs = await documents(emitter, N);
    assert.is(new Set(docs.map((d) => d.trace_id)).size, N);
    for (const doc of docs) {
      const n = Number(doc.http.request.url.split("/").pop());
      assert.is(doc.trace_id, headers[n]!.root);
      assert.equal(
        doc.subsegments.map((x: any) => x.name),
        [`work-${n}`],
      );
    }
  } finally {
    await s.close();
  }
});

test("options are checked when the wrapper is made", () => {
  assert.throws(() => traceFetchHandler(() => new Response(), { name: "" }), /option "name" must be a non-empty string/);
  assert.throws(
    () => traceFetchHandler(() => new Response(), { logger: console.log as never, name: "x" }),
    /option "logger" must be a Logger/,
  );
  assert.throws(() => traceFetchHandler(null as never), /expected a handler function, got object/);
});

test.run();
