import { test } from "uvu";
import * as assert from "uvu/assert";
import { setup, SAMPLED } from "./helpers.ts";

// The million-segment flatness check is a benchmark (bench/memory.ts); this is its quick twin.
test("memory is reused: 20,000 traced segments leave no node and no growth after warm-up", () => {
  const { tracer, emitter, x } = setup();
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
      const a = s.beginSubsegment("a");
      a.addAnnotation("i", i);
      a.addMetadata("m", { i, pad: "p".repeat(i % 500) });
      a.close();
      const open = s.beginSubsegment("left-open");
      s.close();
      open.close();
      emitter.clear();
    }
  };
  run(2000);
  const warm = x.memoryBytes();
  run(20000);
  assert.is(x.memoryBytes(), warm, "wasm memory did not grow");
  assert.is(x.liveNodes(), 0, "every node was freed");
});

test.run();
