/**
 * xray-edge's own documents through the daemon: a trace over 64 KB (so it is split into several
 * datagrams) with an error and an open subsegment, sent over UDP, arrives valid and complete.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryEmitter, Tracer } from "../../adapters/host/index.ts";
import { jsonLines, sendDatagrams, startDaemonProcess, stopProcess, withTimeout } from "./helpers.ts";

test("documents from xray-edge arrive valid and complete, split ones included", async () => {
  const emitter = new MemoryEmitter();
  const tracer = new Tracer({ emitter, logger: { warn() {} } });
  const segment = tracer.beginSegment("edge", { traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" });
  const ids = new Set([segment.id]);
  for (let i = 0; i < 40; i++) {
    const sub = segment.beginSubsegment(`chunk-${i}`);
    sub.addMetadata("blob", "z".repeat(2500));
    ids.add(sub.id);
    sub.close();
  }
  const failing = segment.beginSubsegment("failing");
  failing.addError(new Error("boom"));
  ids.add(failing.id);
  failing.close();
  const open = segment.beginSubsegment("late");
  ids.add(open.id);
  segment.close();
  open.close();
  assert.ok(emitter.datagrams.length > 2, "the trace was split over datagrams");

  const daemon = await startDaemonProcess(["--json"]);
  try {
    await sendDatagrams(daemon.port, emitter.datagrams);
    await withTimeout(
      (async () => {
        while (jsonLines(daemon).length < emitter.datagrams.length) await new Promise((r) => setTimeout(r, 20));
      })(),
      10_000,
      "the documents",
    );
    const lines = jsonLines(daemon);
    for (const line of lines) assert.equal(line.violations, [], JSON.stringify(line.violations));
    const seen = new Set<string>();
    const walk = (d: Record<string, any>) => {
      seen.add(d.id);
      (d.subsegments ?? []).forEach(walk);
    };
    for (const l of lines) walk(l.document);
    for (const id of ids) assert.ok(seen.has(id), `${id} arrived`);
  } finally {
    await stopProcess(daemon);
  }
});

test.run();
