/**
 * AWS_LAMBDA_MAX_CONCURRENCY on node, bun and deno: dist/bootstrap.js under the emulator with
 * `concurrency`, running fixtures/concurrent.handler, whose invocations can only finish together
 * (a barrier). Each runs in its own trace, with its header on the context, in InvokeStore and
 * `currentTraceHeader()`, never in `_X_AMZN_TRACE_ID`; the module traces fetch globally, and the
 * runtime's own Runtime API calls are not recorded. Against the in-test Runtime API: N `next`
 * requests open at once, and a malformed value is the init error, naming the variable.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator, type Emulator, type InvocationResult } from "../../bin/invoke/emulator.ts";
import { WaitServer } from "./barrier.ts";
import { bootstrapCommand, FakeRuntimeApi, FIXTURES, newTrace, RUNTIMES, startRuntime, UdpListener, within } from "./helpers.ts";

const HANDLER = "concurrent.handler";
const N = 4;

interface Ctx {
  logs: string[];
  em?: Emulator;
  udp: UdpListener;
  wait: WaitServer;
}

const rootOf = (header: string | null): string => /Root=([^;]+)/.exec(header ?? "")![1]!;
const parentOf = (header: string | null): string => /Parent=([^;]+)/.exec(header ?? "")![1]!;

for (const runtime of RUNTIMES) {
  const [cmd, args] = bootstrapCommand(runtime);
  const t = suite<Ctx>(`${runtime}: concurrent invocations`);

  t.before.each(async (ctx) => {
    ctx.logs = [];
    ctx.udp = await UdpListener.start();
    ctx.wait = await WaitServer.start();
  });
  t.after.each(async (ctx) => {
    await ctx.em?.close();
    ctx.em = undefined;
    await ctx.wait.close();
    ctx.udp.close();
  });

  const start = async (ctx: Ctx, concurrency: number | undefined): Promise<Emulator> => {
    ctx.em = await startEmulator({
      command: [cmd, ...args],
      taskRoot: FIXTURES,
      handler: HANDLER,
      timeoutMs: 20_000,
      daemonAddress: ctx.udp.address,
      functionSegment: false,
      ...(concurrency !== undefined ? { concurrency } : {}),
      // Were the loop's own requests traced, they would run outside any invocation and reject.
      env: { NO_COLOR: "1", AWS_XRAY_CONTEXT_MISSING: "RUNTIME_ERROR" },
      log: (line) => void ctx.logs.push(line),
    });
    return ctx.em;
  };
  const all = (ctx: Ctx, results: Promise<InvocationResult>[]) =>
    within(60_000, `${runtime}: invocations that wait for each other\n${ctx.logs.join("\n")}`, Promise.all(results));

  t(`${N} invocations in flight at once in one process, each in its own trace, _X_AMZN_TRACE_ID untouched`, async (ctx) => {
    const em = await start(ctx, N);
    const barrier = ctx.wait.barrier("batch", N);
    const results = await all(
      ctx,
      Array.from({ length: N }, () => em.invoke({ barrier })),
    );
    for (const r of results) assert.is(r.status, "success", JSON.stringify(r.error));
    assert.is(new Set(results.map((r) => r.pid)).size, 1, "one process served them all");
    assert.is(new Set(results.map((r) => r.traceHeader)).size, N);
    for (const r of results) {
      const body = r.response as Record<string, unknown>;
      assert.is(body.requestId, r.requestId);
      assert.is(body.xRayTraceId, r.traceHeader, "context.xRayTraceId");
      assert.is(body.storeTraceId, r.traceHeader, "InvokeStore.getXRayTraceId()");
      assert.is(body.storeRequestId, r.requestId, "InvokeStore.getRequestId()");
      assert.match(String(body.header), `Root=${rootOf(r.traceHeader)};`);
      assert.equal(body.env, [null, null], "_X_AMZN_TRACE_ID never set");
      assert.is(body.barrier, 200);
    }
    for (const r of results) {
      const [doc, ...more] = await ctx.udp.forTrace(rootOf(r.traceHeader), 1, 5000);
      assert.ok(doc, `the document of ${r.traceHeader}\n${ctx.logs.join("\n")}`);
      assert.is(more.length, 0, "one document per trace");
      assert.is(doc!.name, `## ${HANDLER}`);
      assert.is(doc!.parent_id, parentOf(r.traceHeader));
      // The barrier fetch, traced by the module's instrumentFetch (which records no query), is the only subsegment.
      const urls = (doc!.subsegments ?? []).map((s: { http?: { request?: { url?: string } } }) => s.http?.request?.url);
      assert.equal(urls, [ctx.wait.barrier("batch", N).split("?")[0]]);
    }
    const runtimeApiCalls = ctx.udp.documents.filter((d) => JSON.stringify(d).includes("/2018-06-01/runtime"));
    assert.is(runtimeApiCalls.length, 0, JSON.stringify(runtimeApiCalls).slice(0, 400));
  });

  t("one at a time (no AWS_LAMBDA_MAX_CONCURRENCY): xRayTraceId on the context, and _X_AMZN_TRACE_ID set per invocation", async (ctx) => {
    const em = await start(ctx, undefined);
    const first = await all(ctx, [em.invoke({ barrier: ctx.wait.barrier("one", 1) })]);
    const second = await all(ctx, [em.invoke({ barrier: ctx.wait.barrier("two", 1) })]);
    for (const r of [...first, ...second]) {
      const body = r.response as Record<string, unknown>;
      assert.is(r.status, "success", JSON.stringify(r.error));
      assert.is(body.xRayTraceId, r.traceHeader);
      assert.is(body.storeTraceId, r.traceHeader);
      assert.equal(body.env, [r.traceHeader, r.traceHeader]);
    }
  });

  t("an uncaught exception under concurrency is posted to every invocation in flight, then the process exits 129", async (ctx) => {
    const em = await start(ctx, N);
    const barrier = ctx.wait.barrier("crash", 2);
    const results = await all(ctx, [em.invoke({ barrier, crash: "from a timer" }), em.invoke({ barrier, gate: ctx.wait.gate("never") })]);
    for (const r of results) {
      assert.is(r.status, "error", JSON.stringify(r));
      assert.is(r.error?.errorType, "CrashError");
      assert.is(r.error?.errorMessage, "from a timer");
    }
    for (const end = Date.now() + 20_000; !ctx.logs.some((l) => l.includes("ended: Runtime exited with error: exit status 129")); )
      if (Date.now() > end) throw new Error(`no exit 129\n${ctx.logs.join("\n")}`);
      else await new Promise((r) => setTimeout(r, 20));
  });

  t(`the runtime keeps ${N} next requests open, and each worker asks again after its answer`, async (ctx) => {
    const api = await FakeRuntimeApi.start();
    const proc = startRuntime(runtime, {
      AWS_LAMBDA_RUNTIME_API: api.address,
      _HANDLER: "handlers.dispatch",
      AWS_LAMBDA_MAX_CONCURRENCY: String(N),
      AWS_XRAY_DAEMON_ADDRESS: ctx.udp.address,
    });
    try {
      const until = async (what: string, check: () => boolean) => {
        for (const end = Date.now() + 20_000; !check(); await new Promise((r) => setTimeout(r, 10)))
          if (Date.now() > end) throw new Error(`${runtime}: ${what}; ${api.waiting} waiting\n${proc.stderr()}`);
      };
      await until(`${N} next requests open`, () => api.waiting === N);
      assert.is(api.nextCalls, N);
      const r = await within(
        15_000,
        `${runtime} invocation`,
        api.invoke({ action: "echo", payload: 1 }, { trace: newTrace().header }),
        proc,
      );
      assert.equal(JSON.parse(r.body).echo, 1);
      await until("the worker's next request", () => api.nextCalls === N + 1 && api.waiting === N);
    } finally {
      await proc.stop();
      await api.close();
    }
  });

  // "lots" fails the import of xray-edge/lambda (every traced handler reads the variable); 300 is
  // a whole number the runtime itself refuses, over the in-flight requests it can hold.
  const malformed = [
    { value: "lots", errorType: "Error", message: 'AWS_LAMBDA_MAX_CONCURRENCY="lots" is not valid: expected a whole number, at least 1' },
    {
      value: "300",
      errorType: "RangeError",
      message: 'AWS_LAMBDA_MAX_CONCURRENCY="300" is not valid: expected a whole number from 1 to 256',
    },
  ];
  for (const { value, errorType, message } of malformed)
    t(`AWS_LAMBDA_MAX_CONCURRENCY=${value} is the init error, naming it; the process exits 1`, async () => {
      const api = await FakeRuntimeApi.start();
      const proc = startRuntime(runtime, {
        AWS_LAMBDA_RUNTIME_API: api.address,
        _HANDLER: "handlers.dispatch",
        AWS_LAMBDA_MAX_CONCURRENCY: value,
      });
      try {
        const r = await within(15_000, `${runtime} init error`, api.initError(), proc);
        const body = JSON.parse(r.body);
        assert.is(body.errorType, errorType);
        assert.match(body.errorMessage, message);
        assert.is(await within(15_000, `${runtime} exit`, proc.exited, proc), 1);
        assert.is(api.nextCalls, 0);
      } finally {
        await proc.stop();
        await api.close();
      }
    });

  t.run();
}
