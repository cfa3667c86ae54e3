// xray-edge/workers in workerd (workerd serve, from npm), real HTTP requests to the Worker, its
// documents sent to the X-Ray API stand-in on 127.0.0.1 through a gate that can hold them.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type StandIn, startStandIn } from "../xray-api/standin.ts";
import { type Gate, startGate } from "./gate.ts";
import { startWorkerd, type Workerd } from "./harness.ts";

const KEYS = { AWS_ACCESS_KEY_ID: "AKIDWORKERS1", AWS_SECRET_ACCESS_KEY: "workers-secret", AWS_REGION: "eu-west-3" };
const TOKEN = "session-token-of-the-worker";

let standin: StandIn;
let gate: Gate;
let workerd: Workerd;

test.before(async () => {
  standin = await startStandIn();
  gate = await startGate(standin.url);
  workerd = await startWorkerd(gate.url, [
    { name: "signed", env: { ...KEYS, AWS_SESSION_TOKEN: TOKEN } },
    { name: "nosecret", env: { AWS_ACCESS_KEY_ID: KEYS.AWS_ACCESS_KEY_ID, AWS_REGION: KEYS.AWS_REGION } },
    // nodejs_compat is the default from 2026-08-04: an earlier date, without the flag, has no
    // AsyncLocalStorage (the explicit-parent case).
    { name: "nocompat", env: KEYS, compatibilityDate: "2025-06-01" },
  ]);
});

test.after(async () => {
  await workerd?.stop();
  await gate?.close();
  await standin?.close();
});

/** Polls `check` until it holds; the deadline is generous (a loaded 2-core machine). */
async function until(check: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}\nworkerd said:\n${workerd.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let n = 0;
/** A fresh trace root per request, so each test finds its own documents. */
const root = () => `1-5759e988-${(++n).toString(16).padStart(24, "0")}`;
const docsOf = (traceId: string) => standin.accepted.filter((d) => d.trace_id === traceId);

test("a request's segment is sent signed, after the response, with the request's fields", async () => {
  const traceId = root();
  gate.hold();
  const response = await fetch(`${workerd.urls.signed}/orders?id=7`, {
    headers: {
      "x-amzn-trace-id": `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
      "user-agent": "workers-test/1",
      "x-forwarded-for": "203.0.113.9, 10.0.0.1",
    },
  });
  assert.is(response.status, 201);
  assert.is(await response.text(), "hello from the worker");
  // The response is in; the PutTraceSegments call is still held by the gate, nothing accepted yet.
  await until(() => gate.held() === 1, "the Worker's PutTraceSegments call reached the gate");
  assert.equal(docsOf(traceId), []);
  gate.release();
  await until(() => docsOf(traceId).length === 1, "the document accepted once the gate opened");
  const doc = docsOf(traceId)[0];
  assert.is(doc.name, "edge-worker");
  assert.is(doc.parent_id, "53995c3f42cd8ad8");
  assert.equal(doc.http, {
    request: {
      method: "GET",
      url: `${workerd.urls.signed}/orders`,
      user_agent: "workers-test/1",
      client_ip: "203.0.113.9",
      x_forwarded_for: true,
    },
    response: { status: 201 },
  });
  assert.is(doc.fault, undefined);
  const put = standin.of("PutTraceSegments").find((r) => r.body.TraceSegmentDocuments.some((d: string) => d.includes(traceId)))!;
  assert.match(String(put.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDWORKERS1\/\d{8}\/eu-west-3\/xray\/aws4_request/);
  assert.is(put.headers["x-amz-security-token"], TOKEN);
  assert.equal(standin.problems, []);
});

test("a handler that throws: recorded with fault, and the error surfaces as without tracing", async () => {
  const traceId = root();
  const header = { "x-amzn-trace-id": `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1` };
  const traced = await fetch(`${workerd.urls.signed}/throw`, { headers: header });
  const untraced = await fetch(`${workerd.urls.nosecret}/throw`, { headers: header });
  assert.is(traced.status, 500);
  assert.is(traced.status, untraced.status);
  assert.is(await traced.text(), await untraced.text());
  await until(() => docsOf(traceId).length === 1, "the failed request's document");
  const doc = docsOf(traceId)[0];
  assert.is(doc.fault, true);
  assert.is(doc.cause.exceptions[0].message, "boom from the handler");
  assert.is(doc.http.response, undefined, "workerd chose the status, not the handler");
  await until(() => (workerd.output().match(/boom from the handler/g) ?? []).length >= 2, "workerd logged both errors");
});

test("a missing credential binding: untraced, the response unchanged, said once", async () => {
  const lost = root();
  for (let i = 0; i < 2; i++) {
    const response = await fetch(`${workerd.urls.nosecret}/`, { headers: { "x-amzn-trace-id": `Root=${lost};Sampled=?` } });
    assert.is(response.status, 201);
    assert.is(await response.text(), "hello from the worker");
    assert.is(response.headers.get("x-amzn-trace-id"), null, "no Sampled=? answer: the request was not traced");
  }
  // The same request to the traced worker is answered (the contrast that makes the check above mean something).
  const asked = await fetch(`${workerd.urls.signed}/`, { headers: { "x-amzn-trace-id": `Root=${root()};Sampled=?` } });
  assert.match(String(asked.headers.get("x-amzn-trace-id")), /^Root=1-5759e988-[0-9a-f]{24};Sampled=[01]$/);
  await asked.text();
  // A traced request's document after them: had the untraced ones sent anything, it would be in.
  const barrier = root();
  await (await fetch(`${workerd.urls.signed}/`, { headers: { "x-amzn-trace-id": `Root=${barrier};Sampled=1` } })).text();
  await until(() => docsOf(barrier).length === 1, "the barrier's document");
  assert.equal(docsOf(lost), []);
  const said = workerd.output().match(/no AWS_SECRET_ACCESS_KEY binding/g) ?? [];
  assert.is(said.length, 1, workerd.output());
});

test("the segment is current for the handler under nodejs_compat; segmentOf(request) without it", async () => {
  for (const [worker, hasContext] of [
    ["signed", true],
    ["nocompat", false],
  ] as const) {
    const traceId = root();
    const response = await fetch(`${workerd.urls[worker]}/context`, { headers: { "x-amzn-trace-id": `Root=${traceId};Sampled=1` } });
    const seen = (await response.json()) as { current: string | null; segment: string | null };
    await until(() => docsOf(traceId).length >= 1, `${worker}: the /context document`);
    const doc = docsOf(traceId).find((d) => d.name === "edge-worker")!;
    assert.is(seen.segment, doc.id, `${worker}: segmentOf(request) is the request's segment`);
    assert.is(seen.current, hasContext ? doc.id : null, `${worker}: getSegment() in the handler`);
    // capture(..., segmentOf(request)) nests under the segment either way.
    const all = docsOf(traceId).flatMap((d) => [d, ...(d.subsegments ?? [])]);
    const sub = all.find((d) => d.name === "explicit");
    assert.ok(sub, `${worker}: the explicit subsegment was recorded`);
    assert.ok(sub.parent_id === undefined || sub.parent_id === doc.id, `${worker}: under the request's segment`);
  }
});

test.run();
