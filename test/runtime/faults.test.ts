/**
 * The loop against handlers that misbehave (fixtures/faults.mjs), on node, bun and deno, under the
 * project's emulator: a module that replaces globalThis.fetch with the traced one leaves the loop's
 * own Runtime API calls untraced (AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR would fail them; the
 * default would warn); an unhandled rejection and an uncaught exception are posted as Lambda's Node
 * runtime posts them, then the runtime exits (128, 129) as that runtime does; a promise that never
 * settles runs to its deadline and is reported as a timeout.
 */
import { createServer } from "node:http";
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator, type Emulator } from "../../bin/invoke/emulator.ts";
import { bootstrapCommand, FIXTURES, lineOf, RUNTIMES, UdpListener, within } from "./helpers.ts";

const HANDLER = "faults.handler";
const TIMEOUT_MS = 2000;

interface Ctx {
  logs: string[];
  em: Emulator;
  udp: UdpListener;
}

const log = (ctx: Ctx) => ctx.logs.join("\n");

for (const runtime of RUNTIMES) {
  const command = (() => {
    const [cmd, args] = bootstrapCommand(runtime);
    return [cmd, ...args];
  })();
  const t = suite<Ctx>(`${runtime}: faults`);

  t.before.each(async (ctx) => {
    ctx.logs = [];
    ctx.udp = await UdpListener.start();
  });
  t.after.each(async (ctx) => {
    await ctx.em?.close();
    ctx.udp.close();
  });

  const start = (ctx: Ctx, env: Record<string, string>) =>
    startEmulator({
      command,
      taskRoot: FIXTURES,
      handler: HANDLER,
      timeoutMs: TIMEOUT_MS,
      daemonAddress: ctx.udp.address,
      env: { NO_COLOR: "1", ...env },
      log: (line) => void ctx.logs.push(line),
    }).then((em) => (ctx.em = em));

  t("RUNTIME_ERROR and a handler module that sets globalThis.fetch = instrumentFetch(): every invocation succeeds", async (ctx) => {
    const em = await start(ctx, { AWS_XRAY_CONTEXT_MISSING: "RUNTIME_ERROR" });
    const server = createServer((_req, res) => res.end("pong"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/ping`;
    try {
      const results = await within(
        30_000,
        `${runtime} invocations`,
        Promise.all([
          em.invoke({ action: "echo", payload: 1 }),
          em.invoke({ action: "fetch", url }),
          em.invoke({ action: "echo", payload: 3 }),
        ]),
      );
      for (const r of results) assert.is(r.status, "success", `${JSON.stringify(r)}\n${log(ctx)}`);
      assert.equal(results[0]!.response, { echo: 1, replaced: true });
      assert.equal(results[1]!.response, { status: 200, body: "pong" });
      assert.is(new Set(results.map((r) => r.pid)).size, 1, "one process served them all");
      // The handler's own fetch is traced: its subsegment is in the handler's document.
      const root = /Root=([^;]+)/.exec(results[1]!.traceHeader ?? "")![1]!;
      const [doc] = await ctx.udp.forTrace(root, 1, 5000);
      assert.ok(doc, `the traced invocation's document\n${log(ctx)}`);
      assert.equal(
        (doc!.subsegments ?? []).map((s: { name: string }) => s.name),
        ["127.0.0.1"],
      );
    } finally {
      server.close();
    }
  });

  t("the default context-missing setting: no false warning from the loop's own requests", async (ctx) => {
    const em = await start(ctx, {});
    const [cold, warm] = await within(
      30_000,
      `${runtime} invocations`,
      Promise.all([em.invoke({ action: "echo", payload: 1 }), em.invoke({ action: "echo", payload: 2 })]),
    );
    assert.is(cold!.status, "success", log(ctx));
    assert.is(warm!.status, "success", log(ctx));
    await em.idle();
    assert.ok(!/no segment|context missing|ContextMissing/i.test(log(ctx)), log(ctx));
  });

  t("an unhandled rejection: Runtime.UnhandledPromiseRejection posted for the invocation, then exit 128", async (ctx) => {
    const em = await start(ctx, {});
    const [rejected, value, after] = await within(
      30_000,
      `${runtime} invocations`,
      Promise.all([
        em.invoke({ action: "reject", message: "nobody caught me" }),
        em.invoke({ action: "rejectValue", value: 42 }),
        em.invoke({ action: "echo", payload: "fresh" }),
      ]),
    );
    assert.is(rejected!.status, "error", log(ctx));
    assert.is(rejected!.error?.errorType, "Runtime.UnhandledPromiseRejection");
    assert.is(rejected!.error?.errorMessage, "RangeError: nobody caught me");
    assert.is(rejected!.error?.functionErrorType, "Runtime.UnhandledPromiseRejection");
    const line = await lineOf("faults.mjs", "UNHANDLED_SITE");
    assert.ok(
      rejected!.error?.stackTrace?.some((l) => l.includes(`faults.mjs:${line}:`)),
      `the stack names the rejection's site: ${rejected!.error?.stackTrace?.join("\n")}`,
    );
    const cause = rejected!.error?.xrayErrorCause as { exceptions: Array<{ type: string; message: string }> };
    assert.is(cause.exceptions[0]!.type, "Runtime.UnhandledPromiseRejection");
    assert.is(value!.status, "error");
    assert.is(value!.error?.errorType, "Runtime.UnhandledPromiseRejection");
    assert.is(value!.error?.errorMessage, "42");
    assert.match(log(ctx), new RegExp(`runtime \\(pid ${rejected!.pid}\\) ended: Runtime exited with error: exit status 128`));
    assert.is(after!.status, "success");
    assert.is.not(after!.pid, rejected!.pid, "the next event gets a fresh runtime");
    assert.is.not(after!.pid, value!.pid);
  });

  t("an uncaught exception: the error posted for the invocation, then exit 129", async (ctx) => {
    const em = await start(ctx, {});
    const [thrown, after] = await within(
      30_000,
      `${runtime} invocations`,
      Promise.all([em.invoke({ action: "throwLater", message: "from a timer" }), em.invoke({ action: "echo", payload: "fresh" })]),
    );
    assert.is(thrown!.status, "error", log(ctx));
    assert.is(thrown!.error?.errorType, "TypeError");
    assert.is(thrown!.error?.errorMessage, "from a timer");
    const line = await lineOf("faults.mjs", "UNCAUGHT_SITE");
    assert.ok(
      thrown!.error?.stackTrace?.some((l) => l.includes(`faults.mjs:${line}:`)),
      `the stack names the throw: ${thrown!.error?.stackTrace?.join("\n")}`,
    );
    await within(
      10_000,
      "the exit line",
      waitForLog(ctx, new RegExp(`runtime \\(pid ${thrown!.pid}\\) ended: Runtime exited with error: exit status 129`)),
    );
    assert.is(after!.status, "success");
    assert.is.not(after!.pid, thrown!.pid);
  });

  t("a promise that never settles runs until the deadline: a timeout, not Runtime.ExitError", async (ctx) => {
    const em = await start(ctx, {});
    const r = await within(30_000, `${runtime} invocation`, em.invoke({ action: "never" }));
    assert.is(r.status, "timeout", `${JSON.stringify(r)}\n${log(ctx)}`);
    assert.is(r.error?.errorType, "Sandbox.Timedout");
    assert.ok(r.durationMs >= TIMEOUT_MS, `${r.durationMs} ms`);
  });

  t("a rejection while the handler's module loads: the init error, then exit 128", async (ctx) => {
    ctx.em = await startEmulator({ command, taskRoot: FIXTURES, handler: "initfault.handler", log: (line) => void ctx.logs.push(line) });
    const r = await within(30_000, `${runtime} invocation`, ctx.em.invoke({}));
    assert.is(r.status, "init error", log(ctx));
    assert.is(r.initError?.errorType, "Runtime.UnhandledPromiseRejection");
    assert.is(r.initError?.errorMessage, "Error: rejected while loading");
    await waitForLog(ctx, /ended: Runtime exited with error: exit status 128/);
  });

  t.run();
}

/** Polls the emulator's log for `pattern`; gives up after 10 s (so that a failure cannot hang the group). */
async function waitForLog(ctx: Ctx, pattern: RegExp, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!pattern.test(log(ctx))) {
    if (Date.now() > until) throw new Error(`no ${pattern} in the log after ${ms} ms:\n${log(ctx)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
