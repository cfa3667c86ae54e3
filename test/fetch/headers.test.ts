/**
 * X-Amzn-Trace-Id as the server receives it: injected into each form of headers a caller can give,
 * a caller's own kept (and not doubled), the caller's objects untouched; pass-through forwards the
 * incoming header; no context sends none; an unsampled trace sends Sampled=0 and records nothing;
 * AWS_XRAY_CONTEXT_MISSING and AWS_XRAY_SDK_ENABLED are obeyed.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { instrumentFetch } from "../../adapters/fetch/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { registry, runIn } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";
import { capturingErrors, headerFields, ID16, newHeader, setup, suiteServer, traced } from "./helpers.ts";

const server = suiteServer(test);

const tracedFetch = instrumentFetch();

/** A header the caller sets itself, distinct per call. */
const callerHeader = (n: number) =>
  `Root=1-67891234-${"0".repeat(22)}${String(n).padStart(2, "0")};Parent=${"a".repeat(14)}${String(n).padStart(2, "0")};Sampled=1`;

test("a caller's X-Amzn-Trace-Id is sent as it is, once, whatever its case and form; the call is still recorded", async () => {
  const url = `${server.base}/status/200`;
  const asHeaders = new Headers({ "X-Amzn-Trace-Id": callerHeader(1), accept: "text/plain" });
  const asPairs: [string, string][] = [
    ["x-amzn-trace-id", callerHeader(2)],
    ["accept", "text/plain"],
  ];
  const asObject = { "X-AMZN-TRACE-ID": callerHeader(3) };
  const asRequest = new Request(url, { headers: { "x-Amzn-Trace-Id": callerHeader(4) } });
  const { doc } = await traced(async () => {
    await (await tracedFetch(url, { headers: asHeaders })).text();
    await (await tracedFetch(url, { headers: asPairs })).text();
    await (await tracedFetch(url, { headers: asObject })).text();
    await (await tracedFetch(asRequest)).text();
    await (await tracedFetch(new Request(url), { headers: { "X-Amzn-Trace-Id": callerHeader(5) } })).text();
  });
  assert.equal(
    server.received.map((r) => r.traceHeaders),
    [1, 2, 3, 4, 5].map((n) => [callerHeader(n)]),
  );
  assert.is(doc.subsegments.length, 5);
  // the caller's objects are as they were
  assert.equal(
    [...asHeaders.entries()],
    [
      ["accept", "text/plain"],
      ["x-amzn-trace-id", callerHeader(1)],
    ],
  );
  assert.equal(asPairs, [
    ["x-amzn-trace-id", callerHeader(2)],
    ["accept", "text/plain"],
  ]);
  assert.equal(asObject, { "X-AMZN-TRACE-ID": callerHeader(3) });
});

test("injected into every form (Headers, pairs, object, Request, Request + init) with the caller's other headers kept, and the caller's objects left unchanged", async () => {
  const url = `${server.base}/status/200`;
  const asHeaders = new Headers({ "x-custom": "h", accept: "text/plain" });
  const initWithHeaders = { method: "POST", body: "one", headers: asHeaders };
  const asPairs: [string, string][] = [["x-custom", "p"]];
  const initWithPairs = { headers: asPairs };
  const asObject = { "x-custom": "o" };
  const initWithObject = { headers: asObject, method: "PUT", body: "three" };
  const request = new Request(url, { method: "POST", body: "four", headers: { "x-custom": "r" } });
  const request2 = new Request(url, { headers: { "x-custom": "from-request" } });
  const init5 = { headers: { "x-custom": "from-init" } }; // an init's headers replace the Request's, as in fetch
  const noHeadersInit = { method: "DELETE" };
  const snapshot = () =>
    JSON.stringify({
      asHeaders: [...asHeaders.entries()],
      initWithHeaders: Object.keys(initWithHeaders),
      asPairs,
      initWithPairs: Object.keys(initWithPairs),
      asObject,
      initWithObject: Object.keys(initWithObject),
      request: [...request.headers.entries()],
      request2: [...request2.headers.entries()],
      init5,
      noHeadersInit,
    });
  const before = snapshot();

  const { doc, root } = await traced(async () => {
    await (await tracedFetch(url, initWithHeaders)).text();
    await (await tracedFetch(url, initWithPairs)).text();
    await (await tracedFetch(url, initWithObject)).text();
    await (await tracedFetch(request)).text();
    await (await tracedFetch(request2, init5)).text();
    await (await tracedFetch(url, noHeadersInit)).text();
    await (await tracedFetch(url)).text();
  });

  assert.is(snapshot(), before, "nothing the caller gave was changed");
  assert.is(initWithHeaders.headers, asHeaders);
  assert.is(initWithPairs.headers, asPairs);
  assert.is(initWithObject.headers, asObject);
  assert.is(asHeaders.has("x-amzn-trace-id"), false);
  assert.is(request.headers.has("x-amzn-trace-id"), false);

  const r = server.received;
  assert.equal(
    r.map((x) => [x.method, x.headers["x-custom"], x.body]),
    [
      ["POST", "h", "one"],
      ["GET", "p", ""],
      ["PUT", "o", "three"],
      ["POST", "r", "four"],
      ["GET", "from-init", ""],
      ["DELETE", undefined, ""],
      ["GET", undefined, ""],
    ],
  );
  assert.is(r[0]!.headers.accept, "text/plain");
  assert.is(doc.subsegments.length, 7);
  for (const [i, sub] of doc.subsegments.entries()) {
    assert.is(r[i]!.traceHeaders.length, 1, `one header on request ${i}`);
    assert.equal(headerFields(r[i]!.traceHeaders[0]), { Root: root, Parent: sub.id, Sampled: "1" });
    assert.is(sub.http.request.method, r[i]!.method);
  }
});

test("pass-through: the incoming header is forwarded unchanged and nothing is recorded; a caller's own still wins", async () => {
  const { tracer, emitter } = setup();
  const outside = tracer.beginSegment("outside"); // not in context: must stay empty
  const incoming = `Root=${newHeader().root};Sampled=?;Lineage=a87bd80c:1;Team=blue`;
  await runIn(incoming, async () => {
    await (await tracedFetch(`${server.base}/status/200`)).text();
    await (await tracedFetch(`${server.base}/status/200`, { headers: { "X-Amzn-Trace-Id": callerHeader(9) } })).text();
  });
  outside.close();
  assert.equal(
    server.received.map((r) => r.traceHeaders),
    [[incoming], [callerHeader(9)]],
  );
  const docs = emitter.documents();
  assert.is(docs.length, 1);
  assert.is(docs[0]!.subsegments, undefined);
});

test('an untraced invocation (context ""): nothing sent, nothing recorded, nothing said', async () => {
  registry().said.delete("fetch");
  const { errors } = await capturingErrors(() => runIn("", async () => (await tracedFetch(`${server.base}/status/200`)).text()));
  assert.equal(
    server.received.map((r) => r.traceHeaders),
    [[]],
  );
  assert.equal(errors, []);
});

test("no context (LOG_ERROR, the default): no header, nothing recorded, the miss said once", async () => {
  registry().said.delete("fetch");
  const { tracer, emitter } = setup();
  const outside = tracer.beginSegment("outside");
  const { result, errors } = await capturingErrors(async () => {
    const a = await tracedFetch(`${server.base}/status/200`);
    const b = await tracedFetch(`${server.base}/status/404`);
    return [a.status, b.status, await a.text()];
  });
  outside.close();
  assert.equal(result, [200, 404, "hello world"]);
  assert.equal(
    server.received.map((r) => r.traceHeaders),
    [[], []],
  );
  assert.is(emitter.documents()[0]!.subsegments, undefined);
  assert.is(errors.length, 1, errors.join("\n"));
  assert.match(errors[0]!, "fetch: no segment in context");
});

/**
 * Runs `fn` with the settings `env` would load. The environment is read only when a subpath loads
 * (test/faults runs that as processes); here the loaded settings are swapped instead.
 */
async function withEnv<R>(env: Record<string, string>, fn: () => Promise<R>): Promise<R> {
  const saved = registry().settings;
  registry().settings = readSettings(env);
  try {
    return await fn();
  } finally {
    registry().settings = saved;
  }
}

test("AWS_XRAY_CONTEXT_MISSING=IGNORE_ERROR: no header, nothing said", async () => {
  registry().said.delete("fetch");
  const { errors } = await withEnv({ AWS_XRAY_CONTEXT_MISSING: "IGNORE_ERROR" }, () =>
    capturingErrors(async () => (await tracedFetch(`${server.base}/status/200`)).text()),
  );
  assert.equal(errors, []);
  assert.equal(
    server.received.map((r) => r.traceHeaders),
    [[]],
  );
});

test("AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR: outside a segment the fetch rejects with the context's error and no request is made", async () => {
  const error = await withEnv({ AWS_XRAY_CONTEXT_MISSING: "RUNTIME_ERROR" }, async () => {
    const pending = tracedFetch(`${server.base}/status/200`);
    assert.instance(pending, Promise, "a rejection, as fetch reports its errors, not a throw");
    return pending.then(
      () => undefined,
      (e: unknown) => e,
    );
  });
  assert.instance(error, Error);
  assert.match((error as Error).message, "AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR");
  assert.is(server.received.length, 0);
});

test("AWS_XRAY_SDK_ENABLED=false: inside a segment, no header and nothing recorded", async () => {
  const { doc } = await withEnv({ AWS_XRAY_SDK_ENABLED: "false" }, () =>
    traced(async () => (await tracedFetch(`${server.base}/status/200`)).text()),
  );
  assert.is(doc.subsegments, undefined);
  assert.equal(
    server.received.map((r) => r.traceHeaders),
    [[]],
  );
});

test("an unsampled segment: Sampled=0 with the trace's Root and a new Parent is sent, nothing is emitted", async () => {
  const { tracer, emitter } = setup();
  const incoming = newHeader("0");
  const segment = tracer.beginSegment("test", { traceHeader: incoming.header });
  await withSegment(segment, async () => (await tracedFetch(`${server.base}/status/500`)).text());
  segment.close();
  assert.is(emitter.datagrams.length, 0);
  assert.is(server.received[0]!.traceHeaders.length, 1);
  const fields = headerFields(server.received[0]!.traceHeaders[0]);
  assert.equal(Object.keys(fields), ["Root", "Parent", "Sampled"]);
  assert.is(fields.Root, incoming.root);
  assert.is(fields.Sampled, "0");
  assert.match(fields.Parent!, ID16);
  assert.is.not(fields.Parent, incoming.parent);
});

test.run();
