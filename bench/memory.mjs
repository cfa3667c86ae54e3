// Memory flatness: wasm memory and RSS after 10,000 and after 1,000,000 traced segments (each with
// a subsegment, an annotation, metadata, and a subsegment left open until after its segment).
import { createXRay } from "../dist/index.js";

export function runMemory({ total = 1_000_000 } = {}) {
  const x = createXRay();
  const tracer = new x.Tracer({ emitter: { send() {}, flush: async () => {} } });
  const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  const gc = globalThis.gc ?? (() => {});
  const snapshot = () => (gc(), { wasm: x.memoryBytes(), rss: process.memoryUsage().rss, live: x.liveNodes() });
  let at10k;
  const started = performance.now();
  for (let i = 1; i <= total; i++) {
    const s = tracer.beginSegment("handler", { traceHeader: header });
    const sub = s.beginSubsegment("work");
    sub.addAnnotation("i", i);
    sub.addMetadata("payload", { i, text: "x".repeat(i % 200) });
    sub.close();
    const open = s.beginSubsegment("late");
    s.close();
    open.close();
    if (i === 10_000) at10k = snapshot();
  }
  const end = snapshot();
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  console.log(`memory after 10k / ${total / 1e6}M         wasm ${mb(at10k.wasm)} / ${mb(end.wasm)}   RSS ${mb(at10k.rss)} / ${mb(end.rss)}   live nodes ${end.live}   (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return { wasmDelta: end.wasm - at10k.wasm, rssDelta: end.rss - at10k.rss, live: end.live };
}
