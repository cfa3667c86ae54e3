/**
 * traceHandler in real Node processes, invoked as Lambda's Node runtime does (cold, then warm,
 * a new _X_AMZN_TRACE_ID each time), each datagram caught and checked field by field.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateDocument } from "../../core/validate.ts";
import { createServer } from "node:http";
import { newHeader, runHandler } from "./helpers.ts";

const ID16 = /^[0-9a-f]{16}$/;

test("async handler: one `## handler` document per invocation on each header, cold then warm, sent before the result returns", async () => {
  const h = [newHeader(), newHeader(), newHeader()];
  const run = await runHandler(
    "handler",
    h.map((x, i) => ({ header: x.header, event: { id: `item-${i}` } })),
    { POWERTOOLS_SERVICE_NAME: "orders" },
  );
  assert.is(run.code, 0, run.stderr);
  assert.is(run.documents.length, 3, run.stderr);
  for (const [i, doc] of run.documents.entries()) {
    assert.equal(validateDocument(doc), [], JSON.stringify(doc));
    assert.is(doc.name, "## handlers.handler");
    assert.is(doc.type, "subsegment");
    assert.is(doc.trace_id, h[i]!.root);
    assert.is(doc.parent_id, h[i]!.parent);
    assert.match(doc.id, ID16);
    assert.equal(doc.annotations, { ColdStart: i === 0, Service: "orders" });
    assert.equal(doc.metadata, {
      orders: { "handlers.handler response": { id: `item-${i}`, parsed: 42, header: run.outcomes[i]!.result.header } },
    });
    assert.ok(doc.end_time >= doc.start_time);
    assert.not.ok(doc.fault);
    // the captures, nested, with their data
    const [load] = doc.subsegments;
    assert.is(load.name, "load");
    assert.equal(load.annotations, { item: `item-${i}` });
    assert.is(load.subsegments[0].name, "parse");
    assert.equal(load.subsegments[0].metadata, { default: { size: 3 } });
    assert.ok(load.start_time >= doc.start_time && load.end_time <= doc.end_time);
    // inside the handler, getSegment() is the handler's subsegment: its header names it Parent
    assert.is(run.outcomes[i]!.result.header, `Root=${h[i]!.root};Parent=${doc.id};Sampled=1`);
  }
});

test("thrown errors and rejected promises: recorded as the cause with the fault flag, rethrown unchanged", async () => {
  const h = [newHeader(), newHeader()];
  const run = await runHandler("handler", [
    { header: h[0]!.header, event: { fail: "thrown", how: "throw" } },
    { header: h[1]!.header, event: { fail: "rejected", how: "reject" } },
  ]);
  assert.equal(run.outcomes, [
    { error: { name: "TypeError", message: "thrown", same: true } },
    { error: { name: "TypeError", message: "rejected", same: true } },
  ]);
  assert.is(run.documents.length, 2, run.stderr);
  for (const [i, doc] of run.documents.entries()) {
    assert.equal(validateDocument(doc), []);
    assert.is(doc.trace_id, h[i]!.root);
    assert.is(doc.fault, true);
    const [exception] = doc.cause.exceptions;
    assert.is(exception.type, "TypeError");
    assert.is(exception.message, i === 0 ? "thrown" : "rejected");
    assert.is(doc.metadata, undefined);
  }
});

test("Sampled=0 sends nothing but propagates Sampled=0; Root without Parent passes the header through; no header and a malformed one run untraced, said once", async () => {
  const unsampled = newHeader("0");
  const rootOnly = `Root=${newHeader().root};Sampled=1`;
  const run = await runHandler("handler", [
    { header: unsampled.header, event: { id: "a" } },
    { header: rootOnly, event: { id: "b" } },
    { header: null, event: { id: "c" } },
    { header: null, event: { id: "d" } },
    { header: "Root=not-a-trace-id;Parent=53995c3f42cd8ad8;Sampled=1", event: { id: "e" } },
    { header: "garbage", event: { id: "f" } },
  ]);
  assert.is(run.code, 0, run.stderr);
  assert.equal(run.documents, []);
  const results = run.outcomes.map((o) => o.result);
  assert.equal(
    results.map((r) => [r.id, r.parsed]),
    [
      ["a", 42],
      ["b", 42],
      ["c", 42],
      ["d", 42],
      ["e", 42],
      ["f", 42],
    ],
  );
  assert.match(results[0].header, new RegExp(`^Root=${unsampled.root};Parent=[0-9a-f]{16};Sampled=0$`));
  assert.is(results[1].header, null, "pass-through: no segment (fetch forwards the header as is)");
  assert.is(results[2].header, null);
  assert.is(run.stderr.match(/no trace header/g)?.length, 1, run.stderr);
  assert.is(run.stderr.match(/malformed trace header/g)?.length, 1, run.stderr);
  assert.not.match(run.stderr, /no segment in context/, "untraced on purpose is not a missing context");
});

test("pass-through: a valid header goes downstream as given; one with a bad field loses the field, not the trace", async () => {
  const root = newHeader().root;
  const valid = `Root=${root};Sampled=?;Tenant=acme`;
  const bad = `Root=${root};Sampled=?;Tenant=acme;Note=bell\u0007here`;
  const run = await runHandler("propagating", [
    { header: valid, event: {} },
    { header: bad, event: {} },
  ]);
  assert.is(run.code, 0, run.stderr);
  assert.equal(
    run.outcomes.map((o) => o.result.downstream),
    [valid, `Root=${root};Sampled=?;Tenant=acme`],
  );
});

test("response-streaming handlers: traced until they settle, Lambda's streaming mark kept", async () => {
  const h = newHeader();
  const run = await runHandler("streamingHandler", [{ header: h.header, event: { id: 7 } }]);
  assert.equal(run.outcomes, [{ result: { chunks: ["item 7", "<end>"], marked: "response" } }]);
  assert.is(run.documents.length, 1, run.stderr);
  assert.is(run.documents[0]!.trace_id, h.root);
  assert.is(run.documents[0]!.metadata, undefined, "a streaming handler returns nothing to record");
});

test("AWS_XRAY_SDK_ENABLED=false: the handler runs as it is, nothing is sent", async () => {
  const run = await runHandler("handler", [{ header: newHeader().header, event: { id: "off" } }], { AWS_XRAY_SDK_ENABLED: "false" });
  assert.is(run.outcomes[0]!.result.parsed, 42);
  assert.is(run.outcomes[0]!.result.header, null);
  assert.equal(run.documents, []);
  assert.is(run.stderr, "");
});

test("bad configuration fails at init, naming the setting and the accepted forms", async () => {
  for (const [env, pattern] of [
    [{ AWS_XRAY_DAEMON_ADDRESS: "localhost" }, /AWS_XRAY_DAEMON_ADDRESS/],
    [
      { AWS_XRAY_CONTEXT_MISSING: "LOUD" },
      /AWS_XRAY_CONTEXT_MISSING="LOUD" is not valid: expected one of LOG_ERROR, RUNTIME_ERROR, IGNORE_ERROR/,
    ],
    [{ AWS_XRAY_SDK_ENABLED: "nope" }, /AWS_XRAY_SDK_ENABLED="nope" is not valid: expected one of true, false/],
    [{ AWS_XRAY_LOG_LEVEL: "loud" }, /AWS_XRAY_LOG_LEVEL/],
    [{ POWERTOOLS_TRACER_CAPTURE_RESPONSE: "maybe" }, /POWERTOOLS_TRACER_CAPTURE_RESPONSE/],
    [{ AWS_LAMBDA_MAX_CONCURRENCY: "many" }, /AWS_LAMBDA_MAX_CONCURRENCY="many" is not valid: expected a whole number, at least 1/],
  ] as const) {
    const run = await runHandler("handler", [{ header: newHeader().header, event: {} }], env as Record<string, string>);
    assert.is.not(run.code, 0, `${JSON.stringify(env)} should fail the import`);
    assert.match(run.stderr, pattern);
    assert.equal(run.outcomes, []);
  }
});

test("POWERTOOLS_TRACER_CAPTURE_RESPONSE/_ERROR=false: no response metadata, no cause (the fault flag stays)", async () => {
  const h = [newHeader(), newHeader()];
  const run = await runHandler(
    "handler",
    [
      { header: h[0]!.header, event: { id: "x" } },
      { header: h[1]!.header, event: { fail: "hidden", how: "throw" } },
    ],
    { POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false", POWERTOOLS_TRACER_CAPTURE_ERROR: "false" },
  );
  assert.is(run.documents.length, 2, run.stderr);
  assert.is(run.documents[0]!.metadata, undefined);
  assert.is(run.documents[1]!.fault, true);
  assert.is(run.documents[1]!.cause, undefined);
});

test("fetch and an AWS SDK v3 client inside the handler: recorded under it, and each request carries a header naming its own subsegment", async () => {
  const seen: { url: string; header: string | undefined }[] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", header: req.headers["x-amzn-trace-id"] as string | undefined });
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" }).end("ok");
    } else {
      res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "req-42" }).end('{"SamplingRuleRecords":[]}');
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const h = newHeader();
    const run = await runHandler(
      "downstreamHandler",
      [{ header: h.header, event: {} }],
      { DOWNSTREAM_URL: `http://127.0.0.1:${port}` },
      "downstream",
    );
    assert.equal(run.outcomes, [{ result: { status: 200 } }], run.stderr);
    assert.is(run.documents.length, 1, run.stderr);
    const doc = run.documents[0]!;
    assert.equal(validateDocument(doc), []);
    const [get, aws] = doc.subsegments;
    assert.is(get.namespace, "remote");
    assert.is(get.name, "127.0.0.1");
    assert.equal(get.http, {
      request: { method: "GET", url: `http://127.0.0.1:${port}/items` },
      response: { status: 200, content_length: 2 },
    });
    assert.is(aws.namespace, "aws");
    assert.is(aws.name, "XRay");
    assert.is(aws.aws.operation, "GetSamplingRules");
    assert.is(aws.aws.request_id, "req-42");
    assert.equal(
      seen.map((s) => s.header),
      [`Root=${h.root};Parent=${get.id};Sampled=1`, `Root=${h.root};Parent=${aws.id};Sampled=1`],
    );
  } finally {
    server.close();
  }
});

test.run();
