/**
 * The fixture runtime (fixtures/runtime.mjs, fetch only) under node, bun and deno against the
 * emulator: the environment and headers it receives, responses and errors round-tripping, the 413
 * as the runtime sees it, a timeout that kills the process (the next event runs on a fresh one),
 * an exit mid-invocation, and init errors.
 */
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator } from "../../bin/invoke/emulator.ts";
import { FIXTURES, RUNTIME_COMMANDS, UUID, checkTraceHeader, collector, waitFor } from "./helpers.ts";

type Echo = { event: unknown; headers: Record<string, string>; env: Record<string, string>; pid: number; cwd: string; runtime: string };

for (const [runtime, command] of Object.entries(RUNTIME_COMMANDS)) {
  test(`${runtime}: headers, environment, responses, errors, 413, timeout, exit, one process until it fails`, async () => {
    const logs = collector();
    process.env.INVOKE_TEST_NOT_INHERITED = "parent only";
    const functionName = `fixture-${runtime}`;
    const em = await startEmulator({
      command,
      taskRoot: FIXTURES,
      handler: "index.handler",
      functionName,
      region: "ap-southeast-2",
      memoryMb: 256,
      daemonAddress: "127.0.0.1:2999",
      timeoutMs: 1000,
      env: { FIXTURE_MARK: runtime },
      log: logs.log,
    });
    try {
      const t0 = Date.now();
      const [echo, thrown, huge, afterHuge, slept, fresh, exited, last] = await Promise.all([
        em.invoke({ action: "echo", n: 1 }),
        em.invoke({ action: "throw", type: "Fixture.Boom", message: `boom on ${runtime}` }),
        em.invoke({ action: "huge", bytes: 6 * 1024 * 1024 + 1 }),
        em.invoke({ action: "echo", n: 2 }),
        em.invoke({ action: "sleep", ms: 5000 }),
        em.invoke({ action: "echo", n: 3 }),
        em.invoke({ action: "exit", code: 3 }),
        em.invoke({ action: "echo", n: 4 }),
      ]);
      const t1 = Date.now();

      assert.is(echo!.status, "success", JSON.stringify(echo));
      const body = echo!.response as Echo;
      assert.is(body.runtime, runtime);
      assert.equal(body.event, { action: "echo", n: 1 });
      assert.is(body.headers["lambda-runtime-aws-request-id"], echo!.requestId);
      assert.match(echo!.requestId, UUID);
      assert.is(body.headers["lambda-runtime-invoked-function-arn"], `arn:aws:lambda:ap-southeast-2:000000000000:function:${functionName}`);
      const deadline = Number(body.headers["lambda-runtime-deadline-ms"]);
      assert.ok(deadline >= t0 + 1000 && deadline <= t1 + 1000, `deadline ${deadline} not within [${t0 + 1000}, ${t1 + 1000}]`);
      checkTraceHeader(body.headers["lambda-runtime-trace-id"], "1", t0, t1);
      assert.is(body.headers["lambda-runtime-trace-id"], echo!.traceHeader);
      assert.ok(echo!.initDurationMs !== undefined && echo!.initDurationMs > 0, "the first invocation reports the cold start");

      const env = body.env;
      assert.is(env.AWS_LAMBDA_RUNTIME_API, em.address);
      assert.is(env._HANDLER, "index.handler");
      assert.is(env.LAMBDA_TASK_ROOT, FIXTURES);
      assert.is(path.resolve(body.cwd), FIXTURES);
      assert.is(env.AWS_LAMBDA_FUNCTION_NAME, functionName);
      assert.is(env.AWS_LAMBDA_FUNCTION_VERSION, "$LATEST");
      assert.is(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "256");
      assert.is(env.AWS_LAMBDA_LOG_GROUP_NAME, `/aws/lambda/${functionName}`);
      assert.match(env.AWS_LAMBDA_LOG_STREAM_NAME ?? "", /^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
      assert.is(env.AWS_REGION, "ap-southeast-2");
      assert.is(env.AWS_XRAY_DAEMON_ADDRESS, "127.0.0.1:2999");
      assert.is(env.PATH, process.env.PATH);
      assert.is(env.FIXTURE_MARK, runtime);
      assert.is(env.INVOKE_TEST_NOT_INHERITED, undefined, "only PATH and HOME come from the parent");

      assert.is(thrown!.status, "error");
      assert.is(thrown!.error?.errorType, "Fixture.Boom");
      assert.is(thrown!.error?.errorMessage, `boom on ${runtime}`);
      assert.equal(thrown!.error?.stackTrace, [`Fixture.Boom: boom on ${runtime}`, "    at handler (runtime.mjs:1:1)"]);
      assert.is(thrown!.error?.functionErrorType, "Fixture.Boom");
      assert.equal(thrown!.error?.xrayErrorCause, {
        working_directory: body.cwd,
        exceptions: [{ message: `boom on ${runtime}`, type: "Fixture.Boom" }],
        paths: [],
      });

      assert.is(huge!.status, "error");
      assert.is(huge!.error?.errorType, "Function.ResponseSizeTooLarge");
      assert.match(
        logs.text(),
        /\[runtime\] response status 413 \{"errorMessage":"Exceeded maximum allowed payload size \(6291456 bytes\)\.","errorType":"RequestEntityTooLarge"\}/,
      );
      assert.is(afterHuge!.status, "success");
      assert.is((afterHuge!.response as Echo).pid, body.pid, "the same process serves warm invocations");
      assert.is(afterHuge!.initDurationMs, undefined);

      assert.is(slept!.status, "timeout");
      assert.is(slept!.error?.errorType, "Sandbox.Timedout");
      assert.is(slept!.error?.errorMessage, `RequestId: ${slept!.requestId} Error: Task timed out after 1.00 seconds`);
      assert.ok(slept!.durationMs >= 1000 && slept!.durationMs < 2500, `timeout after ${slept!.durationMs} ms`);
      assert.is(fresh!.status, "success");
      assert.is.not((fresh!.response as Echo).pid, body.pid, "after a timeout the next event gets a fresh process");
      assert.ok(fresh!.initDurationMs !== undefined, "a fresh process is a cold start");

      assert.is(exited!.status, "error");
      assert.is(exited!.error?.errorType, "Runtime.ExitError");
      assert.is(exited!.error?.errorMessage, `RequestId: ${exited!.requestId} Error: Runtime exited with error: exit status 3`);
      assert.is(last!.status, "success");
      assert.equal((last!.response as Echo).event, { action: "echo", n: 4 });
      assert.is.not((last!.response as Echo).pid, (fresh!.response as Echo).pid);
    } finally {
      // Deleted only now: the runtime's environment is made when it starts, on the first event.
      delete process.env.INVOKE_TEST_NOT_INHERITED;
      await em.close();
    }
  });

  test(`${runtime}: init/error ends every queued invocation as an init error; the runtime exits`, async () => {
    const logs = collector();
    const em = await startEmulator({ command, env: { FIXTURE_INIT_ERROR: `cannot start on ${runtime}` }, log: logs.log });
    try {
      const results = await Promise.all([em.invoke({ n: 1 }), em.invoke({ n: 2 })]);
      for (const result of results) {
        assert.is(result.status, "init error");
        assert.equal(result.initError, {
          errorType: "Runtime.FixtureInitError",
          errorMessage: `cannot start on ${runtime}`,
          stackTrace: ["at init (runtime.mjs)"],
          functionErrorType: "Runtime.FixtureInitError",
        });
        assert.equal(result.error, result.initError);
      }
      // The runtime saw the 202, then exited by itself (exit 1), before the grace period's kill.
      await waitFor(() => /ended: Runtime exited with error: exit status 1/.test(logs.text()), 5000, "the runtime to exit");
      assert.match(logs.text(), /\[runtime\] error status 202 \{"status":"OK"\}/);
    } finally {
      await em.close();
    }
  });
}

test("a runtime that exits before asking for an event: the queued invocations end as init errors (Runtime.ExitError)", async () => {
  const em = await startEmulator({ command: [process.execPath, "-e", "process.exit(7)"], quiet: true });
  try {
    const [a, b] = await Promise.all([em.invoke({}), em.invoke({})]);
    for (const result of [a!, b!]) {
      assert.is(result.status, "init error");
      assert.equal(result.error, { errorType: "Runtime.ExitError", errorMessage: "Runtime exited with error: exit status 7" });
    }
  } finally {
    await em.close();
  }
});

test("a runtime command that cannot be started: Runtime.InvalidEntrypoint", async () => {
  const em = await startEmulator({ command: [path.join(FIXTURES, "no-such-bootstrap")], quiet: true });
  try {
    const result = await em.invoke({});
    assert.is(result.status, "init error");
    assert.is(result.error?.errorType, "Runtime.InvalidEntrypoint");
    assert.match(result.error?.errorMessage ?? "", /ENOENT/);
  } finally {
    await em.close();
  }
});

test("a runtime that never asks for an event is stopped after the init timeout", async () => {
  const em = await startEmulator({ command: [process.execPath, "-e", "setInterval(() => {}, 60000)"], initTimeoutMs: 300, quiet: true });
  try {
    const started = Date.now();
    const result = await em.invoke({});
    assert.is(result.status, "init error");
    assert.equal(result.error, { errorType: "Sandbox.Timedout", errorMessage: "Init timed out after 0.30 seconds" });
    assert.ok(Date.now() - started >= 300);
  } finally {
    await em.close();
  }
});

test.run();
