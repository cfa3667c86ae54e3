/**
 * The handler forms the bootstrap loads, on each runtime: a CommonJS module in a folder with a
 * nested, callback-style export; a TypeScript module (Bun and Deno; where the runtime does not
 * import TypeScript, an init error saying so); an absolute folder outside the task root; and the same callback
 * handler with tracing turned off (traceHandler hands it back unwrapped: the loop calls it).
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FakeRuntimeApi, FIXTURES, newTrace, RUNTIMES, startRuntime, UdpListener, within, type RuntimeName } from "./helpers.ts";

const CJS = "lib/commonjs.nested.handler";

/** Starts `handler` under `runtime`, runs `body`, and stops everything. */
async function withRuntime<T>(
  runtime: RuntimeName,
  env: Record<string, string>,
  body: (api: FakeRuntimeApi, udp: UdpListener, stderr: () => string) => Promise<T>,
): Promise<T> {
  const api = await FakeRuntimeApi.start();
  const udp = await UdpListener.start();
  const proc = startRuntime(runtime, { AWS_LAMBDA_RUNTIME_API: api.address, AWS_XRAY_DAEMON_ADDRESS: udp.address, ...env });
  try {
    return await within(20_000, `${runtime} ${env._HANDLER}`, body(api, udp, proc.stderr), proc);
  } finally {
    await proc.stop();
    await api.close();
    udp.close();
  }
}

/** Whether `runtime` imports .ts files (Node does only where it strips types). */
const importsTs = (runtime: RuntimeName) =>
  runtime !== "node" || Boolean((process as { features?: { typescript?: unknown } }).features?.typescript);

for (const runtime of RUNTIMES) {
  const t = suite(`${runtime}: handler forms`);

  t("a CommonJS module in a folder, nested callback-style export: result, error and trace", () =>
    withRuntime(runtime, { _HANDLER: CJS }, async (api, udp) => {
      const trace = newTrace("1");
      const ok = await api.invoke({ x: 1 }, { trace: trace.header });
      assert.is(ok.kind, "response", ok.body);
      assert.equal(JSON.parse(ok.body), { cjs: true, got: { x: 1 }, requestId: ok.requestId });
      const failed = await api.invoke({ fail: "called back with an error" });
      assert.is(failed.kind, "error", failed.body);
      assert.is(JSON.parse(failed.body).errorType, "RangeError");
      assert.is(JSON.parse(failed.body).errorMessage, "called back with an error");
      assert.is(failed.headers["lambda-runtime-function-error-type"], "RangeError");
      const [doc] = await udp.forTrace(trace.root);
      assert.ok(doc, "the traced invocation's document");
      assert.is(doc!.name, `## ${CJS}`);
      assert.is(doc!.parent_id, trace.parent);
      assert.is(doc!.annotations.ColdStart, true);
    }),
  );

  t("the same handler with AWS_XRAY_SDK_ENABLED=false: called untraced, nothing sent", () =>
    withRuntime(runtime, { _HANDLER: CJS, AWS_XRAY_SDK_ENABLED: "false" }, async (api, udp) => {
      const trace = newTrace("1");
      const ok = await api.invoke({ y: 2 }, { trace: trace.header });
      assert.equal(JSON.parse(ok.body).got, { y: 2 });
      const failed = await api.invoke({ fail: "untraced" });
      assert.is(JSON.parse(failed.body).errorType, "RangeError");
      const sampled = newTrace("1");
      await api.invoke({ z: 3 }, { trace: sampled.header });
      await new Promise((r) => setTimeout(r, 100));
      assert.is(udp.documents.length, 0, JSON.stringify(udp.documents).slice(0, 300));
    }),
  );

  t(
    `a TypeScript handler: ${importsTs(runtime) ? "imported" : "Runtime.ImportModuleError: TypeScript, which this Node does not run"}`,
    () =>
      withRuntime(runtime, { _HANDLER: "typed.handler" }, async (api) => {
        if (importsTs(runtime)) {
          const r = await api.invoke({ name: "ts" });
          assert.equal(JSON.parse(r.body), { greeting: "hello ts", runtime });
        } else {
          const posted = await api.initError();
          const body = JSON.parse(posted.body);
          assert.is(body.errorType, "Runtime.ImportModuleError");
          assert.match(body.errorMessage, /typed\.ts is TypeScript, which Node v\d+\.\d+\.\d+ does not run: compile it/);
        }
      }),
  );

  t("an absolute folder: found there, whatever the task root", () =>
    withRuntime(runtime, { _HANDLER: `${FIXTURES}/handlers.dispatch`, LAMBDA_TASK_ROOT: "/nonexistent-task-root" }, async (api) => {
      const r = await api.invoke({ action: "echo", payload: "absolute" });
      assert.equal(JSON.parse(r.body), { echo: "absolute", handler: "dispatch" });
    }),
  );

  t.run();
}
