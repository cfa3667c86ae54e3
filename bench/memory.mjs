// Memory flatness: wasm memory and RSS after 10,000 and after 1,000,000 traced segments (each with
// a subsegment, an annotation, metadata, and a subsegment left open until after its segment),
// through a no-op emitter. Runs in a fresh `node --expose-gc` process, so that the other
// benchmarks' heaps do not move its RSS and every snapshot follows a full collection.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createXRay } from "../dist/index.js";

const self = fileURLToPath(import.meta.url);

function trace(total) {
  const x = createXRay();
  const tracer = new x.Tracer({ emitter: { send() {}, flush: async () => {} } });
  const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  const snapshot = () => (
    globalThis.gc(), { wasm: x.memoryBytes(), rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, live: x.liveNodes() }
  );
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
  return { at10k, end, seconds: (performance.now() - started) / 1000, sent: tracer.stats().sent };
}

export function runMemory({ total = 1_000_000 } = {}) {
  const r = spawnSync(process.execPath, ["--expose-gc", self, String(total)], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`memory child failed: ${r.stderr || r.error}`);
  const { at10k, end, seconds, sent } = JSON.parse(r.stdout);
  const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
  const signed = (n) => `${n >= 0 ? "+" : "-"}${mb(Math.abs(n))}`;
  const label = total >= 1e6 ? `${total / 1e6}M` : `${total / 1e3}k`;
  // RSS is shown, not judged: V8 keeps the heap pages it grew to (heapTotal plateaus) after the
  // objects in them are gone. What must not grow: wasm memory, live JS objects, live core nodes.
  console.log(
    `memory, 10k -> ${label} segments     wasm ${mb(at10k.wasm)} -> ${mb(end.wasm)} (${signed(end.wasm - at10k.wasm)})   JS heap used ${mb(at10k.heap)} -> ${mb(end.heap)} (${signed(end.heap - at10k.heap)})   RSS ${mb(at10k.rss)} -> ${mb(end.rss)} (${signed(end.rss - at10k.rss)})   live nodes ${end.live}   ${sent} documents sent in ${seconds.toFixed(1)} s`,
  );
  return { wasmDelta: end.wasm - at10k.wasm, heapDelta: end.heap - at10k.heap, rssDelta: end.rss - at10k.rss, live: end.live, label };
}

if (process.argv[1] === self) console.log(JSON.stringify(trace(Number(process.argv[2] ?? 1_000_000))));
