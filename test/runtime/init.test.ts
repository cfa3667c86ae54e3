/**
 * Failures before the loop, on each runtime: every kind goes to /runtime/init/error with its type
 * (body and Lambda-Runtime-Function-Error-Type), no invocation is asked for, and the process
 * exits non-zero. Also: a Runtime API that cannot be reached ends the process with a message.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createServer } from "node:net";
import { FakeRuntimeApi, RUNTIMES, startRuntime, within, type RuntimeName } from "./helpers.ts";

interface Case {
  what: string;
  handler: string;
  env?: Record<string, string>;
  type: string;
  message: RegExp;
  /** Where the stack or message must point (the failing file). */
  points?: string;
}

const CASES: Case[] = [
  { what: "no dot in the name", handler: "handlers", type: "Runtime.MalformedHandlerName", message: /"handlers" is not a handler name/ },
  {
    what: "a relative folder leaving the task root",
    handler: "../runtime/handlers.dispatch",
    type: "Runtime.MalformedHandlerName",
    message: /contains ".."/,
  },
  {
    what: "no such file",
    handler: "missing.handler",
    type: "Runtime.ImportModuleError",
    message: /Cannot find the handler's module: no \/.*\/fixtures\/missing\{\.js,\.mjs,\.cjs/,
  },
  {
    what: "no such export",
    handler: "handlers.nope",
    type: "Runtime.HandlerNotFound",
    message: /handlers\.nope: .*handlers\.mjs does not export "nope"/,
  },
  {
    what: "an export that is not a function",
    handler: "handlers.notAFunction",
    type: "Runtime.HandlerNotFound",
    message: /"notAFunction" in .*handlers\.mjs is number, not a function/,
  },
  { what: "a syntax error", handler: "syntax.handler", type: "Runtime.UserCodeSyntaxError", message: /./, points: "syntax.mjs" },
  {
    what: "a module that throws while loading",
    handler: "throws.handler",
    type: "TypeError",
    message: /^the module refuses to load$/,
    points: "throws.mjs",
  },
  { what: "a missing dependency", handler: "missingdep.handler", type: "Runtime.ImportModuleError", message: /xray-edge-no-such-package/ },
  {
    what: "tracing configuration that traceHandler refuses",
    handler: "handlers.dispatch",
    env: { AWS_XRAY_CONTEXT_MISSING: "SOMETIMES" },
    type: "Error",
    message: /AWS_XRAY_CONTEXT_MISSING="SOMETIMES" is not valid/,
  },
];

async function initFailure(runtime: RuntimeName, c: Case) {
  const api = await FakeRuntimeApi.start();
  const proc = startRuntime(runtime, { AWS_LAMBDA_RUNTIME_API: api.address, _HANDLER: c.handler, ...c.env });
  try {
    const posted = await within(15_000, `${runtime} ${c.what}: init error`, api.initError(), proc);
    const code = await within(15_000, `${runtime} ${c.what}: exit`, proc.exited, proc);
    return { posted, code, nextCalls: api.nextCalls, stderr: proc.stderr() };
  } finally {
    await proc.stop();
    await api.close();
  }
}

for (const runtime of RUNTIMES) {
  const t = suite(`${runtime}: init`);

  t("each kind of init failure is posted with its type, then the process exits 1", async () => {
    const results = await Promise.all(CASES.map((c) => initFailure(runtime, c)));
    CASES.forEach((c, i) => {
      const { posted, code, nextCalls, stderr } = results[i]!;
      const label = `${c.what} (${c.handler})`;
      const body = JSON.parse(posted.body);
      assert.equal(Object.keys(body).sort(), ["errorMessage", "errorType", "stackTrace"], label);
      assert.is(body.errorType, c.type, `${label}: ${posted.body.slice(0, 300)}`);
      assert.match(body.errorMessage, c.message, label);
      assert.ok(Array.isArray(body.stackTrace), label);
      assert.is(posted.headers["lambda-runtime-function-error-type"], c.type, label);
      assert.match(String(posted.headers["content-type"]), /application\/json/, label);
      if (c.points)
        assert.ok(`${body.errorMessage}\n${body.stackTrace.join("\n")}`.includes(c.points), `${label}: ${posted.body.slice(0, 500)}`);
      assert.is(code, 1, `${label}: ${stderr}`);
      assert.is(nextCalls, 0, `${label}: no invocation asked for`);
      assert.match(stderr, new RegExp(`init failed: ${c.type.replace(".", "\\.")}`), label);
    });
  });

  t("a Runtime API that refuses connections ends the process with exit 1 and says so", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const proc = startRuntime(runtime, { AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${port}`, _HANDLER: "handlers.dispatch" });
    const code = await within(15_000, `${runtime}: exit on a refused connection`, proc.exited, proc);
    assert.is(code, 1, proc.stderr());
    assert.match(
      proc.stderr(),
      new RegExp(`the Runtime API failed, exiting: GET http://127\\.0\\.0\\.1:${port}/2018-06-01/runtime/invocation/next failed`),
    );
    assert.not.match(proc.stderr(), /Unhandled|unhandled|Uncaught/, proc.stderr());
  });

  t.run();
}

const n = suite("node: no Runtime API");
n("without AWS_LAMBDA_RUNTIME_API the bootstrap says what it is for and exits 1", async () => {
  const proc = startRuntime("node", { _HANDLER: "handlers.dispatch" });
  assert.is(await within(15_000, "exit", proc.exited, proc), 1);
  assert.match(proc.stderr(), /AWS_LAMBDA_RUNTIME_API is not set/);
});
n.run();
