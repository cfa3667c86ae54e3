/**
 * traceRequestListener on a real node:http server on 127.0.0.1, driven by node's client: each
 * document checked field by field against values written here or taken from the request the test
 * sent (never from the code under test), the flags per status, the sampler's inputs, the answer
 * to Sampled=?, errors recorded and passed on unchanged, client aborts, and bad options.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { request as httpRequest } from "node:http";
import { MemoryEmitter, Tracer } from "../../adapters/host/index.ts";
import { traceRequestListener } from "../../adapters/http/index.ts";
import { documents, flags, get, headerFields, ID16, newHeader, serve, setup, TRACE_ID, waitFor } from "./helpers.ts";

test("a 200: the segment's name, a new trace, http.request from the request and the socket, http.response with status and Content-Length, no flags", async () => {
  const { tracer, emitter, asked } = setup();
  const s = await serve(
    traceRequestListener(
      (_req, res) => {
        res.setHeader("content-length", "5");
        res.end("hello");
      },
      { tracer, name: "checkout" },
    ),
  );
  try {
    const before = Date.now() / 1000;
    const answer = await get(s.base, "/cart/items?token=secret", { "user-agent": "test-agent/1.0" });
    assert.is(answer.body, "hello");
    const [doc] = await documents(emitter, 1);
    const after = Date.now() / 1000;
    assert.is(emitter.datagrams.length, 1);
    assert.is(doc!.name, "checkout");
    assert.match(doc!.trace_id, TRACE_ID);
    assert.match(doc!.id, ID16);
    assert.is(doc!.parent_id, undefined);
    assert.ok(doc!.start_time >= before - 0.001 && doc!.end_time <= after + 0.001 && doc!.start_time <= doc!.end_time);
    assert.equal(doc!.http, {
      request: { method: "GET", url: `http://127.0.0.1:${s.port}/cart/items`, user_agent: "test-agent/1.0", client_ip: "127.0.0.1" },
      response: { status: 200, content_length: 5 },
    });
    assert.equal(flags(doc!), { error: false, throttle: false, fault: false });
    assert.equal(asked, [{ host: `127.0.0.1:${s.port}`, method: "GET", urlPath: "/cart/items", serviceName: "checkout" }]);
    assert.is(answer.headers["x-amzn-trace-id"], undefined, "no answer when the caller did not ask");
  } finally {
    await s.close();
  }
});

test("X-Forwarded-For: its first address as client_ip, with x_forwarded_for; includeQueryString keeps the query in the url only", async () => {
  const { tracer, emitter, asked } = setup();
  const s = await serve(traceRequestListener((_req, res) => res.end(), { tracer, includeQueryString: true }));
  try {
    await get(s.base, "/p?a=1&b=2", { "x-forwarded-for": " 203.0.113.7 , 10.0.0.1, 10.0.0.2" }, "POST");
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.name, "svc", "the tracer's serviceName by default");
    assert.equal(doc!.http.request, {
      method: "POST",
      url: `http://127.0.0.1:${s.port}/p?a=1&b=2`,
      client_ip: "203.0.113.7",
      x_forwarded_for: true,
    });
    assert.is(asked[0]!.urlPath, "/p");
  } finally {
    await s.close();
  }
});

test("flags by status: 404 error, 429 error and throttle, 503 fault, 201 none; a chunked body has no content_length", async () => {
  const { tracer, emitter } = setup();
  const s = await serve(
    traceRequestListener(
      (req, res) => {
        res.statusCode = Number(req.url!.slice(1));
        res.write("chunk");
        res.end();
      },
      { tracer },
    ),
  );
  try {
    const expected: Record<number, ReturnType<typeof flags>> = {
      404: { error: true, throttle: false, fault: false },
      429: { error: true, throttle: true, fault: false },
      503: { error: false, throttle: false, fault: true },
      201: { error: false, throttle: false, fault: false },
    };
    for (const status of Object.keys(expected)) await get(s.base, `/${status}`);
    const docs = await documents(emitter, 4);
    for (const doc of docs) {
      const status = Number(doc.http.request.url.split("/").pop());
      assert.equal(doc.http.response, { status }, `status ${status}`);
      assert.equal(flags(doc), expected[status], `flags for ${status}`);
    }
    assert.equal(docs.map((d) => d.http.response.status).sort(), [201, 404, 429, 503]);
  } finally {
    await s.close();
  }
});

test("an incoming Sampled=1 header: the trace and parent are joined and the sampler is not asked; Sampled=0: nothing is sent", async () => {
  const { tracer, emitter, asked } = setup();
  let finished = 0;
  const traced = traceRequestListener((_req, res) => res.end(), { tracer });
  const s = await serve((req, res) => {
    res.on("finish", () => finished++);
    traced(req, res);
  });
  try {
    const no = newHeader("0");
    await get(s.base, "/", { "x-amzn-trace-id": no.header });
    await waitFor("the unsampled response to finish", () => finished === 1);
    assert.is(emitter.datagrams.length, 0);
    const yes = newHeader("1");
    await get(s.base, "/", { "x-amzn-trace-id": yes.header });
    const docs = await documents(emitter, 1);
    assert.is(docs.length, 1);
    assert.is(docs[0]!.trace_id, yes.root);
    assert.is(docs[0]!.parent_id, yes.parent);
    assert.is(asked.length, 0);
  } finally {
    await s.close();
  }
});

test("Sampled=?: the response carries Root=<trace>;Sampled=1, or Sampled=0 when the sampler says no (and nothing is sent)", async () => {
  let decision = true;
  const { tracer, emitter } = setup(() => decision);
  let finished = 0;
  const traced = traceRequestListener((_req, res) => res.end(), { tracer });
  const s = await serve((req, res) => {
    res.on("finish", () => finished++);
    traced(req, res);
  });
  try {
    const asked = newHeader("?");
    const yes = await get(s.base, "/", { "x-amzn-trace-id": asked.header });
    assert.equal(headerFields(yes.headers["x-amzn-trace-id"]), { Root: asked.root, Sampled: "1" });
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.trace_id, asked.root);
    assert.is(doc!.parent_id, asked.parent);

    decision = false;
    const again = newHeader("?");
    const no = await get(s.base, "/", { "x-amzn-trace-id": again.header });
    assert.equal(headerFields(no.headers["x-amzn-trace-id"]), { Root: again.root, Sampled: "0" });
    // No Root: a new trace, named in the answer.
    const fresh = await get(s.base, "/", { "x-amzn-trace-id": "Sampled=?" });
    const f = headerFields(fresh.headers["x-amzn-trace-id"]);
    assert.match(f.Root!, TRACE_ID);
    assert.is.not(f.Root, again.root);
    assert.is(f.Sampled, "0");
    await waitFor("three responses to finish", () => finished === 3);
    assert.is(emitter.datagrams.length, 1);
  } finally {
    await s.close();
  }
});

test("a request the client aborts before any response still closes its segment, without http.response", async () => {
  const { tracer, emitter } = setup();
  let arrived!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  const s = await serve(traceRequestListener(() => arrived(), { tracer })); // never answers
  try {
    const req = httpRequest(`${s.base}/hang`, { agent: false });
    req.on("error", () => {}); // the abort's own "socket hang up"
    req.end();
    await reached;
    req.destroy();
    const [doc] = await documents(emitter, 1);
    assert.equal(doc!.http, { request: { method: "GET", url: `http://127.0.0.1:${s.port}/hang`, client_ip: "127.0.0.1" } });
    assert.type(doc!.end_time, "number");
    assert.is(doc!.in_progress, undefined);
  } finally {
    await s.close();
  }
});

test("the listener gets the same req, res and this, and what it returns", async () => {
  const { tracer } = setup();
  const seen: unknown[] = [];
  const token = { returned: true };
  const wrapped = traceRequestListener(
    function (this: unknown, req, res) {
      seen.push(this, req, res);
      res.end();
      return token;
    },
    { tracer },
  );
  let returned: unknown;
  let given: unknown[] = [];
  const s = await serve(function (this: unknown, req, res) {
    given = [this, req, res];
    returned = wrapped.call(this, req, res);
  });
  try {
    await get(s.base, "/");
    assert.is(seen.length, 3);
    assert.is(seen[0], given[0]);
    assert.is(seen[1], given[1]);
    assert.is(seen[2], given[2]);
    assert.is(returned, token);
  } finally {
    await s.close();
  }
});

test("options are checked when the wrapper is made, each malformed one named", () => {
  const { tracer } = setup();
  const noop = () => {};
  const cases: [unknown, RegExp][] = [
    [{ tracer, name: 42 }, /option "name" must be a string, got 42/],
    [{ tracer: {} }, /option "tracer" must be a Tracer/],
    [{ tracer, includeQueryString: "yes" }, /option "includeQueryString" must be a boolean, got "yes"/],
    [{ tracer, emitter: { send() {}, flush() {} } }, /option "emitter" must be left out when a tracer is given/],
    [{ emitter: {}, name: "x" }, /option "emitter" must be an Emitter/],
    [{ sampler: 5, name: "x" }, /option "sampler" must be a SamplingStrategy/],
    [{ tracer: new Tracer({ emitter: new MemoryEmitter() }) }, /option "name" must be a non-empty string/],
    ["fast", /option "options" must be an object/],
  ];
  for (const [options, message] of cases) {
    let thrown: unknown;
    try {
      traceRequestListener(noop, options as never);
    } catch (error) {
      thrown = error;
    }
    assert.instance(thrown, TypeError, `${message} was not thrown`);
    assert.match((thrown as Error).message, message);
  }
  assert.throws(() => traceRequestListener("listener" as never, { tracer }), /expected a listener function, got string/);
});

test("tracing that fails never reaches the server: a tracer whose beginSegment throws leaves the listener to run untraced", async () => {
  const broken = {
    serviceName: "broken",
    beginSegment() {
      throw new Error("tracer broke");
    },
  };
  let ran = 0;
  const s = await serve(
    traceRequestListener(
      (_req, res) => {
        ran++;
        res.end("fine");
      },
      { tracer: broken as never },
    ),
  );
  try {
    const answer = await get(s.base, "/");
    assert.is(answer.status, 200);
    assert.is(answer.body, "fine");
    assert.is(ran, 1);
  } finally {
    await s.close();
  }
});

test.run();
