// Memory, each case in a fresh `node --expose-gc` process (the other benchmarks' heaps do not
// move its numbers, and every snapshot follows a full collection):
// - flat: wasm memory, JS heap and RSS after 10,000 and after 1,000,000 traced segments (each
//   with a subsegment, an annotation, metadata, and a subsegment left open until after its segment);
// - chain: a chain of subsegments 100,000 deep, closed from the inside out, delivered whole;
// - fan: 10,000 subsegments of 58 KB under one segment, delivered whole, peak wasm memory;
// - abandoned: 200,000 segments begun and dropped unclosed, after a collection: live entities
//   and wasm memory where they were (a first round grows the core to its working size).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createXRay, Tracer } from "../dist/index.js";

const self = fileURLToPath(import.meta.url);
const all = { shouldSample: () => ({ sampled: true, rule: "all" }) };
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;

/** An emitter that counts datagrams and the closed entities in them (by parsing each). */
function countingEmitter() {
  const decoder = new TextDecoder();
  const e = {
    datagrams: 0,
    entities: 0,
    largest: 0,
    send(d) {
      e.datagrams++;
      e.largest = Math.max(e.largest, d.length);
      const walk = (n) => {
        if (n.end_time !== undefined) e.entities++;
        for (const s of n.subsegments ?? []) walk(s);
      };
      walk(JSON.parse(decoder.decode(d).slice(d.indexOf(10) + 1)));
    },
    flush: async () => {},
  };
  return e;
}

const cases = {
  flat(total) {
    const x = createXRay();
    const tracer = new Tracer({ xray: x, emitter: { send() {}, flush: async () => {} } });
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
    return { at10k, end: snapshot(), seconds: (performance.now() - started) / 1000, sent: tracer.stats().sent };
  },
  chain(depth) {
    const x = createXRay();
    const emitter = countingEmitter();
    const tracer = new Tracer({ xray: x, emitter, sampler: all });
    const started = performance.now();
    const chain = [tracer.beginSegment("root")];
    for (let i = 0; i < depth; i++) chain.push(chain[chain.length - 1].beginSubsegment(`c${i}`));
    for (let i = chain.length - 1; i >= 0; i--) chain[i].close();
    return { ...emitter, expected: depth + 1, live: x.liveNodes(), wasm: x.memoryBytes(), seconds: (performance.now() - started) / 1000 };
  },
  fan(count) {
    const x = createXRay();
    const emitter = countingEmitter();
    const tracer = new Tracer({ xray: x, emitter, sampler: all });
    const blob = "x".repeat(58000);
    const started = performance.now();
    const segment = tracer.beginSegment("fan");
    let peak = x.memoryBytes();
    for (let i = 0; i < count; i++) {
      const sub = segment.beginSubsegment(`s${i}`);
      sub.addMetadata("blob", blob);
      sub.close();
      peak = Math.max(peak, x.memoryBytes());
    }
    segment.close();
    return { ...emitter, expected: count + 1, live: x.liveNodes(), peak, seconds: (performance.now() - started) / 1000 };
  },
  async abandoned(count) {
    const x = createXRay();
    const tracer = new Tracer({ xray: x, emitter: { send() {}, flush: async () => {} }, sampler: all, logger: { warn() {} } });
    const drop = () => {
      for (let i = 0; i < count; i++) tracer.beginSegment(`dropped${i}`).beginSubsegment("child");
    };
    const settle = async () => {
      for (let i = 0; i < 100 && x.liveNodes() > 0; i++) {
        globalThis.gc();
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    drop();
    await settle();
    const before = { live: x.liveNodes(), wasm: x.memoryBytes() };
    drop();
    const during = x.liveNodes();
    await settle();
    return {
      before,
      after: { live: x.liveNodes(), wasm: x.memoryBytes() },
      during,
      abandoned: tracer.stats().abandoned,
      overCap: tracer.stats().overCap,
    };
  },
};

function child(name, n) {
  const r = spawnSync(process.execPath, ["--expose-gc", self, name, String(n)], { encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`memory child (${name}) failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

export function runMemory({ total = 1_000_000, quick = false } = {}) {
  const { at10k, end, seconds, sent } = child("flat", total);
  const signed = (n) => `${n >= 0 ? "+" : "-"}${mb(Math.abs(n))}`;
  const label = total >= 1e6 ? `${total / 1e6}M` : `${total / 1e3}k`;
  // RSS is shown, not judged: V8 keeps the heap pages it grew to (heapTotal plateaus) after the
  // objects in them are gone. What must not grow: wasm memory, live JS objects, live core nodes.
  console.log(
    `memory, 10k -> ${label} segments     wasm ${mb(at10k.wasm)} -> ${mb(end.wasm)} (${signed(end.wasm - at10k.wasm)})   JS heap used ${mb(at10k.heap)} -> ${mb(end.heap)} (${signed(end.heap - at10k.heap)})   RSS ${mb(at10k.rss)} -> ${mb(end.rss)} (${signed(end.rss - at10k.rss)})   live nodes ${end.live}   ${sent} documents sent in ${seconds.toFixed(1)} s`,
  );
  const depth = quick ? 20_000 : 100_000;
  const chain = child("chain", depth);
  console.log(
    `memory, a chain ${depth} deep          ${chain.entities} of ${chain.expected} entities delivered in ${chain.datagrams} datagrams (largest ${chain.largest} B), wasm ${mb(chain.wasm)}, ${chain.live} left alive, ${chain.seconds.toFixed(1)} s`,
  );
  const width = quick ? 1_000 : 10_000;
  const fan = child("fan", width);
  console.log(
    `memory, ${width} subsegments of 58 KB   ${fan.entities} of ${fan.expected} entities delivered in ${fan.datagrams} datagrams, peak wasm ${mb(fan.peak)}, ${fan.live} left alive, ${fan.seconds.toFixed(1)} s`,
  );
  const dropped = quick ? 20_000 : 200_000;
  const ab = child("abandoned", dropped);
  console.log(
    `memory, ${dropped} segments dropped     live ${ab.before.live} -> ${ab.during} -> ${ab.after.live} after a collection, wasm ${mb(ab.before.wasm)} -> ${mb(ab.after.wasm)}, ${ab.abandoned} abandoned (counted), ${ab.overCap} over the cap`,
  );
  return {
    wasmDelta: end.wasm - at10k.wasm,
    heapDelta: end.heap - at10k.heap,
    rssDelta: end.rss - at10k.rss,
    live: end.live,
    label,
    chain: { depth, whole: chain.entities === chain.expected && chain.live === 0, datagrams: chain.datagrams },
    fan: { width, whole: fan.entities === fan.expected && fan.live === 0, peak: fan.peak },
    abandoned: { count: dropped, flat: ab.after.live === ab.before.live && ab.after.wasm === ab.before.wasm },
  };
}

if (process.argv[1] === self) {
  const result = await cases[process.argv[2]](Number(process.argv[3]));
  console.log(JSON.stringify(result));
}
