/**
 * What instrumentFetch records, against a real local server: the `remote` subsegment's name and
 * http fields, the flags per status, a network error as the cause, when it closes, and the header
 * the server received (Root, Parent = the recorded subsegment, Sampled). Expected values come from
 * the URLs built here and from what the server saw, never from the code under test.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { instrumentFetch } from "../../adapters/fetch/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { BODY, closedPortUrl, headerFields, ID16, setup, suiteServer, traced } from "./helpers.ts";

const server = suiteServer(test);

/** globalThis.fetch behind a spy that keeps what it was given and what it gave back. */
function spyFetch() {
  const calls: { input: unknown; init: any; response?: Response; error?: unknown }[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const call: (typeof calls)[number] = { input, init };
    calls.push(call);
    try {
      return (call.response = await fetch(input, init));
    } catch (error) {
      call.error = error;
      throw error;
    }
  };
  return { impl, calls };
}

test("a 200: a remote subsegment named after the host, the URL without query or fragment, status and Content-Length, no flags; the server got Root, Parent = that subsegment, Sampled=1", async () => {
  const { tracer, emitter } = setup();
  const spy = spyFetch();
  const tracedFetch = instrumentFetch(spy.impl);
  const segment = tracer.beginSegment("test");
  const before = Date.now() / 1000;
  const response = await withSegment(segment, () => tracedFetch(`${server.base}/status/200?token=secret&x=1#section`));
  const after = Date.now() / 1000;
  segment.close();

  // the caller gets fetch's own Response, body unread
  assert.is(response, spy.calls[0]!.response);
  assert.is(response.status, 200);
  assert.is(response.bodyUsed, false);
  assert.is(await response.text(), BODY);

  const docs = emitter.documents();
  assert.is(docs.length, 1);
  const doc = docs[0]!;
  assert.is(doc.trace_id, segment.traceId);
  assert.is(doc.subsegments.length, 1);
  const sub = doc.subsegments[0];
  assert.is(sub.namespace, "remote");
  assert.is(sub.name, "127.0.0.1");
  assert.match(sub.id, ID16);
  assert.equal(sub.http, {
    request: { method: "GET", url: `${server.base}/status/200` },
    response: { status: 200, content_length: Buffer.byteLength(BODY) },
  });
  assert.is(sub.error, undefined);
  assert.is(sub.throttle, undefined);
  assert.is(sub.fault, undefined);
  assert.is(sub.cause, undefined);
  assert.is(sub.traced, undefined, "traced is not claimed");
  assert.is(sub.in_progress, undefined);
  assert.ok(sub.start_time >= before - 0.001 && sub.end_time <= after + 0.001 && sub.start_time <= sub.end_time);

  // the server: the query was sent (only the record leaves it out), one header naming the subsegment
  assert.is(server.received.length, 1);
  assert.is(server.received[0]!.url, "/status/200?token=secret&x=1");
  assert.is(server.received[0]!.traceHeaders.length, 1);
  assert.equal(headerFields(server.received[0]!.traceHeaders[0]), { Root: doc.trace_id, Parent: sub.id, Sampled: "1" });
});

test("404, 429, 500: error; throttle and error; fault; the header of each names its own subsegment", async () => {
  const tracedFetch = instrumentFetch();
  const { doc, root } = await traced(async () => {
    for (const status of [404, 429, 500]) {
      const response = await tracedFetch(`${server.base}/status/${status}`);
      assert.is(response.status, status);
      await response.text();
    }
  });
  const subs = doc.subsegments;
  assert.is(subs.length, 3);
  const flags = (s: any) => ({ error: s.error === true, throttle: s.throttle === true, fault: s.fault === true });
  assert.equal(flags(subs[0]), { error: true, throttle: false, fault: false });
  assert.equal(flags(subs[1]), { error: true, throttle: true, fault: false });
  assert.equal(flags(subs[2]), { error: false, throttle: false, fault: true });
  for (const [i, status] of [404, 429, 500].entries()) {
    assert.equal(subs[i].http, {
      request: { method: "GET", url: `${server.base}/status/${status}` },
      response: { status, content_length: 11 },
    });
    assert.is(subs[i].cause, undefined);
    assert.equal(headerFields(server.received[i]!.traceHeaders[0]), { Root: root, Parent: subs[i].id, Sampled: "1" });
  }
  assert.is(new Set(subs.map((s: any) => s.id)).size, 3);
});

test("no Content-Length (chunked): the status alone", async () => {
  const tracedFetch = instrumentFetch();
  const { doc } = await traced(async () => (await tracedFetch(`${server.base}/chunked`)).text());
  assert.equal(doc.subsegments[0].http.response, { status: 200 });
});

test("a network error: recorded as a remote cause with the fault flag, the same error object passed on", async () => {
  const url = await closedPortUrl();
  const spy = spyFetch();
  const tracedFetch = instrumentFetch(spy.impl);
  let caught: unknown;
  const { doc } = await traced(async () => {
    try {
      await tracedFetch(url, { method: "POST", body: "x" });
    } catch (error) {
      caught = error;
    }
  });
  assert.ok(caught instanceof Error, "the fetch rejected");
  assert.is(caught, spy.calls[0]!.error, "the very error fetch rejected with");
  const sub = doc.subsegments[0];
  assert.is(sub.name, "127.0.0.1");
  assert.is(sub.namespace, "remote");
  assert.is(sub.fault, true);
  assert.is(sub.error, undefined);
  assert.equal(sub.http, { request: { method: "POST", url } });
  const [exception] = sub.cause.exceptions;
  assert.is(exception.type, (caught as Error).name);
  assert.is(exception.message, (caught as Error).message);
  assert.is(exception.remote, true);
  assert.is(sub.in_progress, undefined);
});

test("the subsegment closes when the headers arrive, not when the body ends; the body is left to the caller", async () => {
  const tracedFetch = instrumentFetch();
  const { tracer, emitter } = setup();
  const segment = tracer.beginSegment("test");
  const response = await withSegment(segment, () => tracedFetch(`${server.base}/slow-body`));
  segment.close(); // the body is still on its way (300 ms)
  const sub = emitter.documents()[0]!.subsegments[0];
  assert.is(sub.in_progress, undefined, "already closed");
  assert.ok(sub.end_time - sub.start_time < 0.25, `closed with the headers (${sub.end_time - sub.start_time} s)`);
  assert.is(await response.text(), "hello");
  assert.equal(sub.http.response, { status: 200, content_length: 5 });
});

test("concurrent requests in one segment: each server request names its own subsegment", async () => {
  const tracedFetch = instrumentFetch();
  const { doc, root } = await traced(() =>
    Promise.all([
      tracedFetch(`${server.base}/status/200?n=a`).then((r) => r.text()),
      tracedFetch(`${server.base}/status/500?n=b`).then((r) => r.text()),
      tracedFetch(`${server.base}/status/404?n=c`).then((r) => r.text()),
    ]),
  );
  assert.is(doc.subsegments.length, 3);
  const idByStatus = new Map(doc.subsegments.map((s: any) => [s.http.response.status, s.id]));
  assert.is(idByStatus.size, 3);
  assert.is(server.received.length, 3);
  for (const r of server.received) {
    const status = Number(/^\/status\/(\d+)/.exec(r.url)![1]);
    assert.equal(headerFields(r.traceHeaders[0]), { Root: root, Parent: idByStatus.get(status), Sampled: "1" });
  }
});

test("includeQueryString: the query is recorded; the fragment never is", async () => {
  const tracedFetch = instrumentFetch(fetch, { includeQueryString: true });
  const { doc } = await traced(async () => (await tracedFetch(new URL(`${server.base}/status/200?a=1&b=two#frag`))).text());
  assert.is(doc.subsegments[0].http.request.url, `${server.base}/status/200?a=1&b=two`);
  assert.is(server.received[0]!.url, "/status/200?a=1&b=two");
});

/** A fetch that answers without a network, keeping what it was given. */
function fakeFetch(status = 201, headers: Record<string, string> = { "content-length": "2" }) {
  const calls: { input: unknown; init: any }[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit) => {
    calls.push({ input, init });
    return new Response(status === 204 ? null : "ok", { status, headers });
  };
  return { impl, calls };
}

test("userinfo is never recorded (with or without includeQueryString); the name is the host without the port; the request goes out as written", async () => {
  const url = "https://user:secret@API.Example.com:8443/v1/items?q=1#top";
  for (const includeQueryString of [false, true]) {
    const fake = fakeFetch();
    const tracedFetch = instrumentFetch(fake.impl, { includeQueryString });
    const { doc } = await traced(() => tracedFetch(url));
    const sub = doc.subsegments[0];
    assert.is(sub.name, "api.example.com");
    assert.equal(sub.http, {
      request: {
        method: "GET",
        url: includeQueryString ? "https://api.example.com:8443/v1/items?q=1" : "https://api.example.com:8443/v1/items",
      },
      response: { status: 201, content_length: 2 },
    });
    assert.is(fake.calls[0]!.input, url, "the input is passed as given");
  }
});

test("methods: fetch's six are upper-cased as fetch sends them, others kept; a Request's method is used", async () => {
  const fake = fakeFetch(200);
  const tracedFetch = instrumentFetch(fake.impl);
  const { doc } = await traced(async () => {
    await tracedFetch("http://h.example/a", { method: "post", body: "x" });
    await tracedFetch("http://h.example/b", { method: "delete" });
    await tracedFetch("http://h.example/c", { method: "PATCH" });
    await tracedFetch(new Request("http://h.example/d", { method: "PUT", body: "y" }));
  });
  assert.equal(
    doc.subsegments.map((s: any) => s.http.request.method),
    ["POST", "DELETE", "PATCH", "PUT"],
  );
});

test("a Content-Length that is not a number is left out", async () => {
  const fake = fakeFetch(200, { "content-length": "12abc" });
  const tracedFetch = instrumentFetch(fake.impl);
  const { doc } = await traced(() => tracedFetch("http://h.example/"));
  assert.equal(doc.subsegments[0].http.response, { status: 200 });
});

test("schemes other than http(s) are not recorded (data: URLs make no remote call)", async () => {
  const tracedFetch = instrumentFetch();
  const { doc, result } = await traced(async () => (await tracedFetch("data:text/plain,hi")).text());
  assert.is(result, "hi");
  assert.is(doc.subsegments, undefined);
});

test.run();
