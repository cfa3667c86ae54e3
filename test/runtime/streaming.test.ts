/**
 * Response streaming on node, bun and deno: fixtures/streaming.handler, marked with the runtime's
 * `awslambda.streamifyResponse`. Against the in-test Runtime API, the wire: the streaming mode
 * header, chunked encoding, the declared trailers, an error mid-stream in them. Under the
 * emulator: chunks arriving one by one as they are written (a gate the test opens only once the
 * first has arrived), a Function URL response's prelude, a pipeline, the trace of a streamed
 * invocation, failed or not, and two streams open at once under AWS_LAMBDA_MAX_CONCURRENCY.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator, type Emulator } from "../../bin/invoke/emulator.ts";
import { WaitServer } from "./barrier.ts";
import {
  bootstrapCommand,
  FakeRuntimeApi,
  FIXTURES,
  lineOf,
  newTrace,
  RUNTIMES,
  startRuntime,
  UdpListener,
  within,
  type RuntimeProcess,
} from "./helpers.ts";

const HANDLER = "streaming.handler";

interface Ctx {
  logs: string[];
  chunks: string[];
  em: Emulator;
  udp: UdpListener;
  wait: WaitServer;
  api: FakeRuntimeApi;
  proc: RuntimeProcess;
}

const rootOf = (header: string | null): string => /Root=([^;]+)/.exec(header ?? "")![1]!;

for (const runtime of RUNTIMES) {
  const [cmd, args] = bootstrapCommand(runtime);
  const t = suite<Ctx>(`${runtime}: streamed responses`);

  t.before(async (ctx) => {
    ctx.logs = [];
    ctx.chunks = [];
    ctx.udp = await UdpListener.start();
    ctx.wait = await WaitServer.start();
    ctx.em = await startEmulator({
      command: [cmd, ...args],
      taskRoot: FIXTURES,
      handler: HANDLER,
      timeoutMs: 20_000,
      daemonAddress: ctx.udp.address,
      functionSegment: false,
      env: { NO_COLOR: "1" },
      log: (line) => void ctx.logs.push(line),
      onChunk: (_id, chunk) => void ctx.chunks.push(chunk.toString("utf8")),
    });
    ctx.api = await FakeRuntimeApi.start();
    ctx.proc = startRuntime(runtime, {
      AWS_LAMBDA_RUNTIME_API: ctx.api.address,
      _HANDLER: HANDLER,
      AWS_XRAY_DAEMON_ADDRESS: ctx.udp.address,
    });
  });
  t.after(async (ctx) => {
    await ctx.em.close();
    await ctx.proc.stop();
    await ctx.api.close();
    await ctx.wait.close();
    ctx.udp.close();
  });

  const invoke = (ctx: Ctx, event: unknown, options?: Parameters<Emulator["invoke"]>[1]) =>
    within(30_000, `${runtime} ${JSON.stringify(event)}\n${ctx.logs.join("\n")}`, ctx.em.invoke(event, options));

  t("on the wire: streaming mode, chunked, the trailers declared, the body as written", async (ctx) => {
    const r = await within(
      15_000,
      `${runtime} streamed`,
      ctx.api.invoke({ action: "chunks", chunks: ["one ", "two ", "three"] }),
      ctx.proc,
    );
    assert.is(r.kind, "response");
    assert.is(r.headers["lambda-runtime-function-response-mode"], "streaming");
    assert.is(r.headers["transfer-encoding"], "chunked");
    assert.is(r.headers["content-type"], "application/octet-stream");
    assert.match(String(r.headers.trailer), /Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body/i);
    assert.is(r.body, "one two three");
    assert.equal(r.trailers, {});
  });

  t("on the wire: an error mid-stream goes in the trailers, after what was written", async (ctx) => {
    const r = await within(15_000, `${runtime} failMid`, ctx.api.invoke({ action: "failMid", message: "broke" }), ctx.proc);
    assert.is(r.kind, "response");
    assert.is(r.body, "partial");
    assert.is(r.trailers["lambda-runtime-function-error-type"], "StreamError");
    const document = JSON.parse(Buffer.from(r.trailers["lambda-runtime-function-error-body"]!, "base64").toString("utf8"));
    assert.is(document.errorType, "StreamError");
    assert.is(document.errorMessage, "broke");
    const line = await lineOf("streaming.mjs", "STREAM_THROW_SITE");
    assert.ok(
      document.stackTrace.some((l: string) => l.includes(`streaming.mjs:${line}:`)),
      document.stackTrace.join("\n"),
    );
    // The loop goes on.
    const after = await within(15_000, `${runtime} after`, ctx.api.invoke({ action: "chunks", chunks: ["still"] }), ctx.proc);
    assert.is(after.body, "still");
  });

  t("chunks reach the emulator as they are written: the handler's second waits for its first to arrive", async (ctx) => {
    const gate = ctx.wait.gate("first-arrived");
    ctx.chunks.length = 0;
    const result = invoke(ctx, { action: "gated", first: "early;", second: "late", gate });
    for (const end = Date.now() + 20_000; !ctx.chunks.includes("early;"); await new Promise((r) => setTimeout(r, 10)))
      if (Date.now() > end) throw new Error(`${runtime}: the first chunk never arrived on its own\n${ctx.logs.join("\n")}`);
    assert.is(ctx.chunks.join(""), "early;", "nothing after the first chunk yet");
    ctx.wait.open("first-arrived");
    const r = await result;
    assert.is(r.status, "success", JSON.stringify(r.error));
    assert.is(r.responseText, "early;late");
    assert.is(ctx.chunks.join(""), "early;late");
    assert.ok(r.streamed!.chunks >= 2, `${r.streamed!.chunks} chunks`);
    // The gate's request is the handler's subsegment; the streamed post and the loop's calls are not recorded.
    const [doc] = await ctx.udp.forTrace(rootOf(r.traceHeader), 1, 5000);
    assert.ok(doc, "the gated invocation's document");
    assert.equal(
      (doc!.subsegments ?? []).map((s: { http?: { request?: { url?: string } } }) => s.http?.request?.url),
      [gate],
    );
    assert.is(ctx.udp.documents.filter((d) => JSON.stringify(d).includes("/2018-06-01/runtime")).length, 0);
  });

  t("HttpResponseStream.from: the prelude, then the body; a pipeline into the stream", async (ctx) => {
    const http = await invoke(ctx, { action: "http" });
    assert.is(http.status, "success", JSON.stringify(http.error));
    assert.is(http.streamed?.contentType, "application/vnd.awslambda.http-integration-response");
    assert.equal(http.streamed?.prelude, { statusCode: 201, headers: { "x-kind": "prelude" } });
    assert.is(http.responseText, "<p>streamed</p>");
    const piped = await invoke(ctx, { action: "pipeline" });
    assert.is(piped.status, "success", JSON.stringify(piped.error));
    assert.is(piped.responseText, "abc");
  });

  t("traced like any other invocation: its ## handler document, the fault for an error mid-stream", async (ctx) => {
    const ok = await invoke(ctx, { action: "context" });
    assert.is(ok.status, "success");
    assert.equal(JSON.parse(ok.responseText!), { xRayTraceId: ok.traceHeader, requestId: ok.requestId });
    const [doc] = await ctx.udp.forTrace(rootOf(ok.traceHeader), 1, 5000);
    assert.ok(doc, `the streamed invocation's document\n${ctx.logs.join("\n")}`);
    assert.is(doc!.name, `## ${HANDLER}`);
    assert.is(doc!.parent_id, /Parent=([^;]+)/.exec(ok.traceHeader!)![1]);
    assert.is(doc!.fault, undefined);

    const failed = await invoke(ctx, { action: "failMid", message: "traced mid-stream" }, { traceHeader: newTrace("1").header });
    assert.is(failed.status, "error");
    assert.is(failed.error?.errorType, "StreamError");
    assert.is(failed.error?.errorMessage, "traced mid-stream");
    assert.is(failed.responseText, "partial");
    const [err] = await ctx.udp.forTrace(rootOf(failed.traceHeader), 1, 5000);
    assert.ok(err, "the failed invocation's document");
    assert.is(err!.fault, true);
    assert.is(err!.cause.exceptions[0].type, "StreamError");
    assert.is(err!.cause.exceptions[0].message, "traced mid-stream");
  });

  t("two streams open at once under AWS_LAMBDA_MAX_CONCURRENCY=2: each waits until both first chunks have arrived", async (ctx) => {
    const seen: string[] = [];
    const em = await startEmulator({
      command: [cmd, ...args],
      taskRoot: FIXTURES,
      handler: HANDLER,
      timeoutMs: 20_000,
      concurrency: 2,
      daemonAddress: ctx.udp.address,
      functionSegment: false,
      env: { NO_COLOR: "1" },
      log: (line) => void ctx.logs.push(line),
      onChunk: (_id, chunk) => void seen.push(chunk.toString("utf8")),
    });
    try {
      const gate = ctx.wait.gate("both-first");
      const results = [
        em.invoke({ action: "gated", first: "A1;", second: "A2", gate }),
        em.invoke({ action: "gated", first: "B1;", second: "B2", gate }),
      ];
      for (const end = Date.now() + 20_000; !(seen.includes("A1;") && seen.includes("B1;")); await new Promise((r) => setTimeout(r, 10)))
        if (Date.now() > end) throw new Error(`${runtime}: both first chunks did not arrive: ${seen}\n${ctx.logs.join("\n")}`);
      ctx.wait.open("both-first");
      const done = await within(30_000, `${runtime} concurrent streams`, Promise.all(results));
      assert.equal(
        done.map((r) => r.responseText),
        ["A1;A2", "B1;B2"],
      );
      assert.is(new Set(done.map((r) => r.pid)).size, 1);
    } finally {
      await em.close();
    }
  });

  t.run();
}
