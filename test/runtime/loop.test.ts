/**
 * One bootstrap process per runtime (node, bun, deno) serving a run of invocations of
 * fixtures/handlers.dispatch through the in-test Runtime API: results, errors with their headers
 * and X-Ray cause, the context, the trace header each way, and the documents sent over UDP.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  ARN,
  FakeRuntimeApi,
  FIXTURES,
  lineOf,
  newTrace,
  ROOT,
  RUNTIMES,
  startRuntime,
  UdpListener,
  within,
  type Recorded,
  type RuntimeProcess,
} from "./helpers.ts";

const HANDLER = "handlers.dispatch";
const MAX_CAUSE_BYTES = 8192;

interface Ctx {
  api: FakeRuntimeApi;
  udp: UdpListener;
  proc: RuntimeProcess;
  invocations: number;
  first: ReturnType<typeof newTrace>;
}

const json = (r: Recorded) => JSON.parse(r.body);

for (const runtime of RUNTIMES) {
  const t = suite<Ctx>(`${runtime}: bootstrap loop`);

  t.before(async (ctx) => {
    ctx.api = await FakeRuntimeApi.start();
    ctx.udp = await UdpListener.start();
    ctx.invocations = 0;
    ctx.proc = startRuntime(runtime, {
      AWS_LAMBDA_RUNTIME_API: ctx.api.address,
      _HANDLER: HANDLER,
      AWS_XRAY_DAEMON_ADDRESS: ctx.udp.address,
    });
  });

  t.after(async (ctx) => {
    await ctx.proc.stop();
    await ctx.api.close();
    ctx.udp.close();
  });

  const invoke = (ctx: Ctx, event: unknown, options?: Parameters<FakeRuntimeApi["invoke"]>[1]) => {
    ctx.invocations++;
    return within(15_000, `${runtime} invocation ${JSON.stringify(event).slice(0, 60)}`, ctx.api.invoke(event, options), ctx.proc);
  };

  t("posts the handler's result as JSON; a promise's value; undefined as null", async (ctx) => {
    ctx.first = newTrace("1");
    const r = await invoke(ctx, { action: "echo", payload: { n: 1, s: "é" } }, { trace: ctx.first.header });
    assert.is(r.kind, "response", r.body);
    assert.equal(json(r), { echo: { n: 1, s: "é" }, handler: "dispatch" });
    const later = await invoke(ctx, { action: "later", payload: [1, 2] });
    assert.equal(json(later), { later: [1, 2] });
    const none = await invoke(ctx, { action: "undefined" });
    assert.is(none.kind, "response");
    assert.is(none.body, "null");
  });

  t("a thrown error: the error document, its type as the header, and the X-Ray cause", async (ctx) => {
    const r = await invoke(ctx, { action: "throw", message: "bad input" });
    assert.is(r.kind, "error", r.body);
    const body = json(r);
    assert.is(body.errorType, "ValidationError");
    assert.is(body.errorMessage, "bad input");
    assert.ok(Array.isArray(body.stackTrace) && body.stackTrace.length > 1, r.body);
    assert.is(body.stackTrace[0], "ValidationError: bad input");
    const line = await lineOf("handlers.mjs", "THROW_SITE");
    assert.ok(
      body.stackTrace.some((l: string) => l.includes(`handlers.mjs:${line}:`)),
      body.stackTrace.join("\n"),
    );
    assert.is(r.headers["lambda-runtime-function-error-type"], "ValidationError");
    const raw = r.headers["lambda-runtime-function-xray-error-cause"] as string;
    assert.type(raw, "string");
    const cause = JSON.parse(raw);
    assert.is(cause.working_directory, ROOT);
    assert.is(cause.exceptions.length, 1);
    assert.is(cause.exceptions[0].type, "ValidationError");
    assert.is(cause.exceptions[0].message, "bad input");
    const top = cause.exceptions[0].stack[0];
    assert.is(top.path, `${FIXTURES}/handlers.mjs`);
    assert.is(top.line, line);
    assert.match(top.label, /dispatch/);
    assert.ok(cause.paths.includes(`${FIXTURES}/handlers.mjs`), raw);
  });

  t("a rejected promise: reported the same way", async (ctx) => {
    const r = await invoke(ctx, { action: "reject", message: "out of range" });
    assert.is(r.kind, "error", r.body);
    const body = json(r);
    assert.is(body.errorType, "RangeError");
    assert.is(body.errorMessage, "out of range");
    assert.is(r.headers["lambda-runtime-function-error-type"], "RangeError");
    const cause = JSON.parse(r.headers["lambda-runtime-function-xray-error-cause"] as string);
    assert.is(cause.exceptions[0].type, "RangeError");
    assert.is(cause.exceptions[0].stack[0].line, await lineOf("handlers.mjs", "REJECT_SITE"));
  });

  t("a thrown string, an unserializable result and a non-JSON event are invocation errors; the loop goes on", async (ctx) => {
    const s = await invoke(ctx, { action: "throwString", message: "plain words" });
    assert.is(s.kind, "error");
    assert.equal(json(s), { errorMessage: "plain words", errorType: "string", stackTrace: [] });
    assert.is(s.headers["lambda-runtime-function-error-type"], "string");
    const big = await invoke(ctx, { action: "bigint" });
    assert.is(big.kind, "error");
    assert.is(json(big).errorType, "Runtime.JSONStringifyError");
    const bad = await invoke(ctx, null, { raw: "{not json" });
    assert.is(bad.kind, "error");
    assert.is(json(bad).errorType, "Runtime.InvalidEventPayload");
    assert.is(bad.headers["lambda-runtime-function-error-type"], "Runtime.InvalidEventPayload");
    const after = await invoke(ctx, { action: "echo", payload: "still here" });
    assert.equal(json(after).echo, "still here");
  });

  t("a long error: the body keeps it whole, the X-Ray cause stays within 8 KiB", async (ctx) => {
    const r = await invoke(ctx, { action: "long" });
    assert.is(r.kind, "error");
    const body = json(r);
    assert.is(body.errorMessage, "é".repeat(3000));
    assert.ok(body.stackTrace.length > 32, `${body.stackTrace.length} stack lines`);
    const raw = r.headers["lambda-runtime-function-xray-error-cause"] as string;
    assert.ok(raw.length <= MAX_CAUSE_BYTES, `${raw.length} bytes`);
    assert.ok(/^[\x20-\x7e]*$/.test(raw), "ASCII only");
    const exception = JSON.parse(raw).exceptions[0];
    assert.is(exception.type, "ValidationError");
    assert.ok(exception.message.length >= 256 && "é".repeat(3000).startsWith(exception.message), `${exception.message.length} characters`);
    assert.ok(exception.stack.length >= 1, "frames kept");
    assert.ok(exception.truncated > 0, "dropped frames counted");
    assert.is(exception.stack[0].line, await lineOf("handlers.mjs", "LONG_SITE"));
  });

  t("the context: awsRequestId, ARN and deadline from the headers, the rest from the environment", async (ctx) => {
    const deadline = Date.now() + 20_000;
    const clientContext = { client: { installation_id: "i-1" }, custom: { tier: "gold" } };
    const identity = { cognitoIdentityId: "eu-west-1:abc", cognitoIdentityPoolId: "eu-west-1:pool" };
    const r = await invoke(
      ctx,
      { action: "context" },
      {
        deadlineMs: deadline,
        headers: {
          "Lambda-Runtime-Client-Context": JSON.stringify(clientContext),
          "Lambda-Runtime-Cognito-Identity": JSON.stringify(identity),
        },
      },
    );
    const c = json(r);
    assert.is(c.awsRequestId, r.requestId);
    assert.is(c.invokedFunctionArn, ARN);
    assert.is(c.functionName, "fixture-function");
    assert.is(c.functionVersion, "7");
    assert.is(c.memoryLimitInMB, "256");
    assert.is(c.logGroupName, "/aws/lambda/fixture-function");
    assert.is(c.logStreamName, "2026/11/25/[7]0123456789abcdef");
    assert.ok(c.remaining > 0 && c.remaining <= deadline - Date.now() + 1000 && c.remaining >= 15_000, `remaining ${c.remaining}`);
    assert.equal(c.clientContext, clientContext);
    assert.equal(c.identity, identity);
    assert.is(c.callbackWaitsForEmptyEventLoop, true);
    const bare = json(await invoke(ctx, { action: "context" }));
    assert.is(bare.clientContext, "absent");
    assert.is(bare.identity, "absent");
  });

  t("Sampled=1: the ## handler subsegment arrives over UDP, on the header's trace and parent", async (ctx) => {
    const trace = newTrace("1");
    const r = await invoke(ctx, { action: "env" }, { trace: trace.header });
    assert.equal(json(r), { traceHeader: trace.header });
    const docs = await ctx.udp.forTrace(trace.root);
    assert.is(docs.length, 1, JSON.stringify(ctx.udp.documents).slice(0, 500));
    const doc = docs[0]!;
    assert.is(doc.name, `## ${HANDLER}`);
    assert.is(doc.type, "subsegment");
    assert.is(doc.trace_id, trace.root);
    assert.is(doc.parent_id, trace.parent);
    assert.is(doc.annotations.Service, "fixture-function");
    assert.is(doc.annotations.ColdStart, false);
    const failed = newTrace("1");
    await invoke(ctx, { action: "throw", message: "traced failure" }, { trace: failed.header });
    const [err] = await ctx.udp.forTrace(failed.root);
    assert.ok(err, "the failed invocation's document");
    assert.is(err!.fault, true);
    assert.is(err!.cause.exceptions[0].type, "ValidationError");
    assert.is(err!.cause.exceptions[0].message, "traced failure");
  });

  t("Sampled=0 sends nothing; no trace header removes _X_AMZN_TRACE_ID (not stale) and the loop goes on", async (ctx) => {
    const unsampled = newTrace("0");
    assert.equal(json(await invoke(ctx, { action: "env" }, { trace: unsampled.header })), { traceHeader: unsampled.header });
    const none = await invoke(ctx, { action: "env" }, { trace: null });
    assert.is(none.kind, "response", none.body);
    assert.equal(json(none), { traceHeader: null });
    const again = await invoke(ctx, { action: "echo", payload: 3 }, { trace: null });
    assert.equal(json(again).echo, 3);
    const sampled = newTrace("1");
    await invoke(ctx, { action: "echo", payload: 4 }, { trace: sampled.header });
    assert.is((await ctx.udp.forTrace(sampled.root)).length, 1);
    // Sent in order on loopback: the later sampled document came, the unsampled one would have too.
    assert.is(ctx.udp.documents.filter((d) => d.trace_id === unsampled.root).length, 0);
  });

  t(
    "_X_AMZN_TRACE_ID is what may be propagated: hostile fields dropped, a clean malformed header kept, a hostile one removed",
    async (ctx) => {
      const incoming = newTrace("0");
      // What node:http can send in a header: tab, C1 and Latin-1 (CR, LF, NUL, DEL and beyond
      // Latin-1 are refused by the sender itself); a Lineage over its 256-character budget.
      const lineage = `${"a87bd80c:1|".repeat(30)}a87bd80c:1`;
      const hostile = `${incoming.header};Ok=1;Tab=a\tb;C1=x\x85y;Latin=caf\xe9;Lineage=${lineage}`;
      assert.equal(json(await invoke(ctx, { action: "env" }, { trace: hostile })), { traceHeader: `${incoming.header};Ok=1` });
      const kept = `Root=${incoming.root};Lineage=1:a87bd80c:0`;
      assert.equal(json(await invoke(ctx, { action: "env" }, { trace: kept })), { traceHeader: kept });
      assert.equal(json(await invoke(ctx, { action: "env" }, { trace: "Root=1-bad;Sampled=1" })), { traceHeader: "Root=1-bad;Sampled=1" });
      assert.equal(json(await invoke(ctx, { action: "env" }, { trace: "Root=1-bad;X=caf\xe9" })), { traceHeader: null });
    },
  );

  t("one process served them all: one GET /next per invocation, one more waiting, still running", async (ctx) => {
    // After its last response the runtime asks for the next invocation: wait for that request.
    for (const end = Date.now() + 2000; ctx.api.nextCalls <= ctx.invocations && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 10));
    assert.is(ctx.proc.child.exitCode, null, ctx.proc.stderr());
    assert.is(ctx.api.recorded.filter((r) => r.kind !== "init-error").length, ctx.invocations);
    assert.is(ctx.api.nextCalls, ctx.invocations + 1);
    const cold = ctx.udp.documents.filter((d) => d.annotations?.ColdStart === true);
    assert.equal(
      cold.map((d) => d.trace_id),
      [ctx.first.root],
      "ColdStart only on the first invocation",
    );
    assert.ok(ctx.udp.documents.length >= 10, `${ctx.udp.documents.length} documents`);
  });

  t.run();
}
