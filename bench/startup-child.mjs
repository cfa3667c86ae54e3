// One fresh process's start-up, timed with performance.now() (its first access loads perf_hooks,
// ~1.5 ms, but that happens before the first mark is taken). `aws` prints the time of
// require("aws-xray-sdk-core"); `ours` prints, as JSON, from before the import: the import alone,
// the import plus the wasm's instantiation (the first parseTraceHeader compiles and instantiates
// the core, and draws no entropy), the same plus the first newSegmentId (its first
// crypto.getRandomValues initializes Node's crypto, which `require("aws-xray-sdk-core")` already
// did at load), and then apart the first traced segment.
import { createRequire } from "node:module";

const t0 = performance.now();
if (process.argv[2] === "aws") {
  createRequire(import.meta.url)("aws-xray-sdk-core");
  console.log(JSON.stringify({ require: performance.now() - t0 }));
} else {
  const m = await import("../dist/index.js");
  const t1 = performance.now();
  m.parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793");
  const t2 = performance.now();
  m.newSegmentId();
  const t3 = performance.now();
  new m.Tracer({ emitter: { send() {}, flush: async () => {} } }).beginSegment("s").close();
  const t4 = performance.now();
  console.log(JSON.stringify({ import: t1 - t0, instantiate: t2 - t0, firstId: t3 - t0, firstSegment: t4 - t3 }));
}
