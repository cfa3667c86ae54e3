/**
 * Explicit parents (per call `xrayParent`, per instrumentation `parent`) without AsyncLocalStorage,
 * errors as the original fetch gives them (rejection or synchronous throw), and the fallback when
 * the instrumentation itself fails.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { instrumentFetch, type TraceEntity } from "../../adapters/fetch/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { capturingErrors, headerFields, newHeader, setup, suiteServer } from "./helpers.ts";

const server = suiteServer(test);

/** globalThis.fetch behind a spy that keeps the init it was given. */
function spyFetch() {
  const inits: unknown[] = [];
  const impl = (input: string | URL | Request, init?: RequestInit) => {
    inits.push(init);
    return fetch(input, init);
  };
  return { impl, inits };
}

function segmentOn(tracer: ReturnType<typeof setup>["tracer"]) {
  const incoming = newHeader("1");
  return { segment: tracer.beginSegment("test", { traceHeader: incoming.header }), root: incoming.root };
}

test("xrayParent: recorded under it without any context; removed before fetch sees the init; the caller's init keeps it", async () => {
  const { tracer, emitter } = setup();
  const { segment, root } = segmentOn(tracer);
  const spy = spyFetch();
  const tracedFetch = instrumentFetch(spy.impl);
  const init = { method: "POST", body: "b", xrayParent: segment as TraceEntity, headers: { "x-custom": "1" } };
  const response = await tracedFetch(`${server.base}/status/200`, init);
  await response.text();
  segment.close();
  assert.equal(Object.keys(init), ["method", "body", "xrayParent", "headers"]);
  assert.is(init.xrayParent, segment);
  assert.equal(init.headers, { "x-custom": "1" });
  assert.is(spy.inits.length, 1);
  assert.ok(spy.inits[0] !== init, "a copy went to fetch");
  assert.is("xrayParent" in (spy.inits[0] as object), false);
  const sub = emitter.documents()[0]!.subsegments[0];
  assert.equal(sub.http, { request: { method: "POST", url: `${server.base}/status/200` }, response: { status: 200, content_length: 11 } });
  assert.equal(headerFields(server.received[0]!.traceHeaders[0]), { Root: root, Parent: sub.id, Sampled: "1" });
  assert.is(server.received[0]!.headers["x-custom"], "1");
  assert.is(server.received[0]!.body, "b");
});

test("xrayParent wins over the context; with a Request input; a subsegment works as parent", async () => {
  const { tracer, emitter } = setup();
  const a = segmentOn(tracer);
  const b = segmentOn(tracer);
  const tracedFetch = instrumentFetch();
  const inner = b.segment.beginSubsegment("inner");
  await withSegment(a.segment, async () => {
    await (await tracedFetch(new Request(`${server.base}/status/404`), { xrayParent: inner })).text();
  });
  inner.close();
  a.segment.close();
  b.segment.close();
  const [docA, docB] = emitter.documents();
  assert.is(docA!.trace_id, a.root);
  assert.is(docA!.subsegments, undefined);
  assert.is(docB!.trace_id, b.root);
  const sub = docB!.subsegments[0].subsegments[0];
  assert.is(docB!.subsegments[0].name, "inner");
  assert.is(sub.error, true);
  assert.equal(headerFields(server.received[0]!.traceHeaders[0]), { Root: b.root, Parent: sub.id, Sampled: "1" });
});

test("xrayParent: undefined is as if absent (the context decides) and is still removed", async () => {
  const { tracer, emitter } = setup();
  const { segment } = segmentOn(tracer);
  const spy = spyFetch();
  const tracedFetch = instrumentFetch(spy.impl);
  await withSegment(segment, async () => (await tracedFetch(`${server.base}/status/200`, { xrayParent: undefined })).text());
  segment.close();
  assert.is("xrayParent" in (spy.inits[0] as object), false);
  assert.is(emitter.documents()[0]!.subsegments.length, 1);
});

test("options.parent: asked per call; undefined leaves it to the context; xrayParent comes first", async () => {
  const { tracer, emitter } = setup();
  const a = segmentOn(tracer);
  const b = segmentOn(tracer);
  let current: TraceEntity | undefined = a.segment;
  let asked = 0;
  const tracedFetch = instrumentFetch(fetch, { parent: () => (asked++, current) });
  await (await tracedFetch(`${server.base}/status/200?to=a`)).text();
  current = undefined;
  await withSegment(b.segment, async () => (await tracedFetch(`${server.base}/status/200?to=b`)).text());
  await (await tracedFetch(`${server.base}/status/200?to=b2`, { xrayParent: b.segment })).text();
  a.segment.close();
  b.segment.close();
  assert.is(asked, 2, "not asked when the call names its parent");
  const [docA, docB] = emitter.documents();
  assert.is(docA!.subsegments.length, 1);
  assert.is(docB!.subsegments.length, 2);
  assert.equal(
    server.received.map((r) => headerFields(r.traceHeaders[0]).Parent),
    [docA!.subsegments[0].id, docB!.subsegments[0].id, docB!.subsegments[1].id],
  );
});

test("a fetch that throws synchronously: the same error is thrown synchronously, as without instrumentation, and recorded (not as remote)", async () => {
  const { tracer, emitter } = setup();
  const { segment } = segmentOn(tracer);
  const thrown = new RangeError("bad argument");
  const tracedFetch = instrumentFetch((() => {
    throw thrown;
  }) as typeof fetch);
  let caught: unknown;
  withSegment(segment, () => {
    try {
      void tracedFetch(`${server.base}/status/200`);
    } catch (error) {
      caught = error;
    }
  });
  // and without a segment, the same
  let caughtOutside: unknown;
  await capturingErrors(async () => {
    try {
      void tracedFetch(`${server.base}/status/200`, { xrayParent: undefined });
    } catch (error) {
      caughtOutside = error;
    }
  });
  segment.close();
  assert.is(caught, thrown);
  assert.is(caughtOutside, thrown);
  const sub = emitter.documents()[0]!.subsegments[0];
  assert.is(sub.fault, true);
  assert.is(sub.cause.exceptions[0].type, "RangeError");
  assert.is(sub.cause.exceptions[0].message, "bad argument");
  assert.is(sub.cause.exceptions[0].remote, undefined);
  assert.is(sub.in_progress, undefined);
});

test("a rejection with a value that is not an Error: the same value is passed on; the call is recorded as a fault", async () => {
  const { tracer, emitter } = setup();
  const { segment } = segmentOn(tracer);
  const reason = { code: "weird" };
  const tracedFetch = instrumentFetch((() => Promise.reject(reason)) as typeof fetch);
  const got = await withSegment(segment, () =>
    tracedFetch("https://h.example/").then(
      () => "resolved",
      (e: unknown) => e,
    ),
  );
  segment.close();
  assert.is(got, reason);
  assert.is(emitter.documents()[0]!.subsegments[0].fault, true);
});

test("instrumentation that fails (a parent option that throws): the request goes out as the caller wrote it", async () => {
  const { tracer, emitter } = setup();
  const { segment } = segmentOn(tracer);
  const tracedFetch = instrumentFetch(fetch, {
    parent: () => {
      throw new Error("a bug");
    },
  });
  const response = await withSegment(segment, () => tracedFetch(`${server.base}/status/200`, { headers: { "x-custom": "kept" } }));
  assert.is(await response.text(), "hello world");
  segment.close();
  assert.is(server.received[0]!.headers["x-custom"], "kept");
  assert.equal(server.received[0]!.traceHeaders, []);
  assert.is(emitter.documents()[0]!.subsegments, undefined);
});

test("a response whose getters throw: returned as it is, the subsegment still closed", async () => {
  const { tracer, emitter } = setup();
  const { segment } = segmentOn(tracer);
  const odd = {
    get status(): number {
      throw new Error("no status");
    },
  };
  const tracedFetch = instrumentFetch((async () => odd) as unknown as typeof fetch);
  const got = await withSegment(segment, () => tracedFetch("https://h.example/x"));
  segment.close();
  assert.is(got, odd as unknown);
  const sub = emitter.documents()[0]!.subsegments[0];
  assert.is(sub.in_progress, undefined);
  assert.equal(sub.http, { request: { method: "GET", url: "https://h.example/x" } });
});

test("globalThis.fetch replaced by its instrumented self: no recursion; the types fit", async () => {
  const original = globalThis.fetch;
  const { tracer, emitter } = setup();
  const { segment } = segmentOn(tracer);
  globalThis.fetch = instrumentFetch();
  try {
    await withSegment(segment, async () => (await fetch(`${server.base}/status/200`)).text());
    // a per-call parent spread into an init type-checks on the replaced global
    await (await instrumentFetch()(`${server.base}/status/200`, { ...{ method: "GET" }, xrayParent: segment })).text();
  } finally {
    globalThis.fetch = original;
  }
  segment.close();
  assert.is(emitter.documents()[0]!.subsegments.length, 2);
  assert.equal(
    server.received.map((r) => r.traceHeaders.length),
    [1, 1],
  );
});

test("instrumentFetch without a fetch to wrap throws at once, naming the problem", () => {
  assert.throws(() => instrumentFetch(42 as unknown as typeof fetch), /instrumentFetch: expected a fetch function/);
  const original = globalThis.fetch;
  delete (globalThis as { fetch?: unknown }).fetch;
  try {
    assert.throws(() => instrumentFetch(), /instrumentFetch: expected a fetch function/);
  } finally {
    globalThis.fetch = original;
  }
});

test.run();
