/**
 * The runtime does not wrap a handler that is traced already (marked `xray-edge.traced`): one
 * exported as `traceHandler(fn)` keeps its own subsegment, and only it; one marked by another
 * tracer gets none from the runtime; nor does one whose module traces with xray-edge/sdk-core,
 * which needs no wrapper. On node, bun and deno, against the in-test Runtime API.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { FakeRuntimeApi, newTrace, RUNTIMES, startRuntime, UdpListener, within } from "./helpers.ts";

for (const runtime of RUNTIMES) {
  const t = suite(`${runtime}: handlers traced already`);

  const run = async (
    handler: string,
    check: (udp: UdpListener, traces: ReturnType<typeof newTrace>[]) => Promise<void>,
    env: Record<string, string> = {},
  ) => {
    const api = await FakeRuntimeApi.start();
    const udp = await UdpListener.start();
    const proc = startRuntime(runtime, {
      AWS_LAMBDA_RUNTIME_API: api.address,
      _HANDLER: handler,
      AWS_XRAY_DAEMON_ADDRESS: udp.address,
      ...env,
    });
    try {
      const traces = [newTrace("1"), newTrace("1")];
      for (const trace of traces) {
        const r = await within(15_000, `${runtime} ${handler}`, api.invoke({}, { trace: trace.header }), proc);
        assert.is(r.kind, "response", r.body);
      }
      await check(udp, traces);
    } finally {
      await proc.stop();
      await api.close();
      udp.close();
    }
  };

  t("traceHandler(fn) exported: its own ## subsegment per invocation, none from the runtime", () =>
    run("pretraced.traced", async (udp, traces) => {
      for (const trace of traces) {
        const docs = await udp.forTrace(trace.root, 1, 5000);
        assert.equal(
          docs.map((d) => d.name),
          ["## own-name"],
        );
        assert.is(docs[0]!.parent_id, trace.parent);
      }
    }),
  );

  t("a handler another tracer marked: the runtime records nothing for it", () =>
    run("pretraced.marked", async (udp, traces) => {
      // A control: the same runtime traces a handler it wraps, and sends in order on loopback.
      const api = await FakeRuntimeApi.start();
      const proc = startRuntime(runtime, {
        AWS_LAMBDA_RUNTIME_API: api.address,
        _HANDLER: "handlers.dispatch",
        AWS_XRAY_DAEMON_ADDRESS: udp.address,
      });
      try {
        const control = newTrace("1");
        await within(15_000, `${runtime} control`, api.invoke({ action: "echo" }, { trace: control.header }), proc);
        assert.is((await udp.forTrace(control.root, 1, 5000)).length, 1, "the control's document");
      } finally {
        await proc.stop();
        await api.close();
      }
      for (const trace of traces) assert.is(udp.documents.filter((d) => d.trace_id === trace.root).length, 0);
    }),
  );

  t("a handler on xray-edge/sdk-core: its own subsegments under the invocation's facade, none from the runtime", () =>
    run("sdkcore.handler", async (udp, traces) => {
      for (const trace of traces) {
        const docs = await udp.forTrace(trace.root, 2, 5000);
        assert.equal(docs.map((d) => d.name).sort(), ["## sdkcore.handler", "load"]);
        const own = docs.find((d) => d.name === "## sdkcore.handler")!;
        assert.is(own.parent_id, trace.parent, "under the facade: the header's Parent");
        assert.is(docs.find((d) => d.name === "load")!.parent_id, own.id);
      }
      // Nothing more arrives for either trace: a runtime wrapper would have sent its own ## document.
      for (const trace of traces) assert.is(udp.documents.filter((d) => d.trace_id === trace.root).length, 2);
    }),
  );

  t.run();
}
