// Memory, each case in a fresh `node --expose-gc` process (the other benchmarks' heaps do not
// move its numbers, and every snapshot follows a full collection):
// - invocations: RSS, JS heap used and wasm memory after 10,000 and after 1,000,000 Lambda
//   invocations through traceHandler (dist/lambda.js), each with 3 subsegments, its document sent
//   over real UDP to a sink in this process; beside the same loop untraced (the floor), and
//   untraced with one bare send of a datagram of that size (the send floor);
// - flat: the same after 10,000 and 1,000,000 traced segments through a Tracer (each with a
//   subsegment, an annotation, metadata, and a subsegment left open until after its segment);
// - chain: a chain of subsegments 100,000 deep, closed from the inside out, delivered whole;
// - fan: 10,000 subsegments of 58 KB under one segment, delivered whole: the largest trace of
//   the core's benchmark, and its peak wasm memory;
// - abandoned: 200,000 segments begun and dropped unclosed, after a collection: live entities
//   and wasm memory where they were (a first round grows the core to its working size).
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
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

/**
 * Every wasm memory the process instantiates, whichever bundle's copy of the core made it: the
 * default core behind traceHandler is not reachable from outside, so the constructor is watched
 * (only in this benchmark's child, before the first traced call makes the core).
 */
function watchWasmInstances() {
  const instances = [];
  WebAssembly.Instance = new Proxy(WebAssembly.Instance, {
    construct(target, args) {
      const instance = Reflect.construct(target, args);
      instances.push(instance.exports);
      return instance;
    },
  });
  return {
    count: () => instances.length,
    bytes: () => instances.reduce((n, e) => n + (e.memory?.buffer.byteLength ?? 0), 0),
    live: () => instances.reduce((n, e) => n + (typeof e.liveNodes === "function" ? e.liveNodes() : 0), 0),
  };
}

const cases = {
  /**
   * `mode` "traced": traceHandler around a handler of 3 subsegments, `total` times, to the sink
   * at `port`. "floor": the same handler untraced, in the same loop (what Lambda's way of handing
   * over the trace header costs by itself, see runMemory). "send": the floor and one bare send
   * per invocation of a datagram the size of a traced one (what the socket costs by itself).
   */
  async invocations(total, port, mode) {
    const traced = mode === "traced";
    const wasm = watchWasmInstances();
    process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
    process.env.AWS_LAMBDA_FUNCTION_NAME = "memory";
    process.env._HANDLER = "index.handler";
    const { traceHandler, captureAsync } = await import("../dist/lambda.js");
    let send = () => {};
    if (mode === "send") {
      const socket = dgram.createSocket("udp4");
      await new Promise((r) => socket.connect(port, "127.0.0.1", r));
      socket.unref();
      const datagram = Buffer.alloc(SEND_FLOOR_BYTES, 0x20);
      send = () => socket.send(datagram);
    }
    const names = ["load", "compute", "store"];
    const handler = traced
      ? traceHandler(async () => {
          for (const name of names) await captureAsync(name, async (sub) => sub.addAnnotation("step", name));
          return { ok: true };
        })
      : async () => {
          for (const name of names) await (async () => name)();
          return { ok: true };
        };
    const context = { awsRequestId: "memory", functionName: "memory", getRemainingTimeInMillis: () => 60_000 };
    const epoch = Math.floor(Date.now() / 1000).toString(16);
    const snapshot = () => {
      globalThis.gc();
      const m = process.memoryUsage();
      // heapTotal: the pages V8 keeps, which RSS counts after the objects in them are gone.
      return { rssBytes: m.rss, heapUsedBytes: m.heapUsed, heapTotalBytes: m.heapTotal, wasmBytes: wasm.bytes(), liveNodes: wasm.live() };
    };
    let at10k;
    const started = performance.now();
    for (let i = 1; i <= total; i++) {
      // A new trace per invocation, as Lambda gives.
      process.env._X_AMZN_TRACE_ID = `Root=1-${epoch}-${i.toString(16).padStart(24, "0")};Parent=53995c3f42cd8ad8;Sampled=1`;
      await handler({}, context);
      send();
      // Between invocations Lambda's runtime waits on its next request: the event loop turns, and
      // with it the socket's send callbacks. Without this, only microtasks would ever run.
      await new Promise(setImmediate);
      if (i === 10_000) at10k = snapshot();
    }
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 50)); // the last sends, before the final snapshot
    return { at10k, end: snapshot(), seconds, cores: wasm.count() };
  },
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

/** The invocations case: a child sending to a UDP sink here, which counts what arrives. */
async function invocationsChild(total, mode) {
  const sink = dgram.createSocket("udp4");
  const received = { datagrams: 0, bytes: 0 };
  sink.on("message", (m) => {
    received.datagrams++;
    received.bytes += m.length;
  });
  await new Promise((r) => sink.bind(0, "127.0.0.1", r));
  try {
    const child = spawn(process.execPath, ["--expose-gc", self, "invocations", String(total), String(sink.address().port), mode], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    // 1,000,000 traced invocations take at least 74 s by design: the UDP client paces a sustained
    // flow to the modelled drain of the daemon's receive buffer (32 MB/s, 2,368 B charged for each
    // 772-B datagram; adapters/udp/pace.ts). 307 s were measured at load 8 on 2 cores; 10 minutes
    // is a stuck child.
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill();
    }, 600_000);
    const status = await new Promise((r) => child.on("close", r));
    clearTimeout(timer);
    if (timedOut)
      throw new Error(`memory child (invocations): ${total} invocations not done in 600 s (npm run bench -- --quick runs 100,000)`);
    if (status !== 0) throw new Error(`memory child (invocations) failed: ${stderr || `exit ${status}`}`);
    await new Promise((r) => setTimeout(r, 50));
    return { ...JSON.parse(stdout), received: { ...received } };
  } finally {
    sink.close();
  }
}

/** A traced invocation's document with 3 subsegments is about this size (772 B measured). */
const SEND_FLOOR_BYTES = 772;
const label = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const signed = (n) => `${n >= 0 ? "+" : "-"}${mb(Math.abs(n))}`;
const from10k = (a, b, key) => `${mb(a[key])} -> ${mb(b[key])} (${signed(b[key] - a[key])})`;

/**
 * `total`: the traced invocations and the traced segments of the flat cases (1,000,000; at least
 * 10,000, the first snapshot); `quick`: smaller chain, fan and abandoned cases.
 */
export async function runMemory({ total = 1_000_000, quick = false } = {}) {
  if (!Number.isInteger(total) || total < 10_000) throw new RangeError(`total must be an integer of at least 10000, got ${total}`);
  // The untraced floor first: Lambda hands each invocation's header over in _X_AMZN_TRACE_ID,
  // and every setenv keeps the value it replaces (glibc cannot know whether it is still in use),
  // so RSS grows by about 140 bytes an invocation with no tracing at all. Tracing's own share is
  // the traced run's growth less the floor's.
  const floor = await invocationsChild(total, "floor");
  const sendFloor = await invocationsChild(total, "send");
  const inv = await invocationsChild(total, "traced");
  for (const [name, r] of [
    ["untraced (floor)", floor],
    ["floor + 1 send", sendFloor],
    ["traced", inv],
  ]) {
    console.log(
      `memory, 10k -> ${label(total)} invocations, ${name.padEnd(16)} wasm ${from10k(r.at10k, r.end, "wasmBytes")}   JS heap used ${from10k(r.at10k, r.end, "heapUsedBytes")}   RSS ${from10k(r.at10k, r.end, "rssBytes")}   live nodes ${r.end.liveNodes}   ${r.received.datagrams} datagrams received in ${r.seconds.toFixed(1)} s`,
    );
  }
  const growth = (r) => ({
    wasmDeltaBytes: r.end.wasmBytes - r.at10k.wasmBytes,
    heapUsedDeltaBytes: r.end.heapUsedBytes - r.at10k.heapUsedBytes,
    rssDeltaBytes: r.end.rssBytes - r.at10k.rssBytes,
  });
  const { at10k, end, seconds, sent } = child("flat", total);
  // RSS is shown, not judged: V8 keeps the heap pages it grew to (heapTotal plateaus) after the
  // objects in them are gone. What must not grow: wasm memory, live JS objects, live core nodes.
  console.log(
    `memory, 10k -> ${label(total)} segments     wasm ${mb(at10k.wasm)} -> ${mb(end.wasm)} (${signed(end.wasm - at10k.wasm)})   JS heap used ${mb(at10k.heap)} -> ${mb(end.heap)} (${signed(end.heap - at10k.heap)})   RSS ${mb(at10k.rss)} -> ${mb(end.rss)} (${signed(end.rss - at10k.rss)})   live nodes ${end.live}   ${sent} documents sent in ${seconds.toFixed(1)} s`,
  );
  const depth = quick ? 20_000 : 100_000;
  const chain = child("chain", depth);
  console.log(
    `memory, a chain ${depth} deep          ${chain.entities} of ${chain.expected} entities delivered in ${chain.datagrams} datagrams (largest ${chain.largest} B), wasm ${mb(chain.wasm)}, ${chain.live} left alive, ${chain.seconds.toFixed(1)} s`,
  );
  const width = quick ? 1_000 : 10_000;
  const fan = child("fan", width);
  console.log(
    `memory, ${width} subsegments of 58 KB   ${fan.entities} of ${fan.expected} entities delivered in ${fan.datagrams} datagrams, peak wasm ${mb(fan.peak)} (the largest trace), ${fan.live} left alive, ${fan.seconds.toFixed(1)} s`,
  );
  const dropped = quick ? 20_000 : 200_000;
  const ab = child("abandoned", dropped);
  console.log(
    `memory, ${dropped} segments dropped     live ${ab.before.live} -> ${ab.during} -> ${ab.after.live} after a collection, wasm ${mb(ab.before.wasm)} -> ${mb(ab.after.wasm)}, ${ab.abandoned} abandoned (counted), ${ab.overCap} over the cap`,
  );
  const bytes = (s) => ({ rssBytes: s.rss, heapUsedBytes: s.heap, wasmBytes: s.wasm, liveNodes: s.live });
  return {
    // The traced segments (the keys bench/run.mjs reads): deltas from 10k to `total`, in bytes.
    wasmDelta: end.wasm - at10k.wasm,
    heapDelta: end.heap - at10k.heap,
    rssDelta: end.rss - at10k.rss,
    live: end.live,
    label: label(total),
    segments: { count: total, at10k: bytes(at10k), atEnd: bytes(end), seconds },
    // Traced Lambda invocations, 3 subsegments each, over UDP; snapshots at 10k and at `total`.
    invocations: {
      count: total,
      subsegmentsEach: 3,
      at10k: inv.at10k,
      atEnd: inv.end,
      ...growth(inv),
      // Tracing's share of the RSS growth: the traced run's less the untraced floor's.
      rssDeltaOverFloorBytes: growth(inv).rssDeltaBytes - growth(floor).rssDeltaBytes,
      wasmCores: inv.cores,
      datagramsReceived: inv.received.datagrams,
      bytesReceived: inv.received.bytes,
      seconds: inv.seconds,
      // And beside the floor with one bare send of a datagram of that size per invocation.
      rssDeltaOverSendFloorBytes: growth(inv).rssDeltaBytes - growth(sendFloor).rssDeltaBytes,
      floor: { at10k: floor.at10k, atEnd: floor.end, ...growth(floor), seconds: floor.seconds },
      sendFloor: {
        at10k: sendFloor.at10k,
        atEnd: sendFloor.end,
        ...growth(sendFloor),
        datagramsReceived: sendFloor.received.datagrams,
        seconds: sendFloor.seconds,
      },
    },
    chain: { depth, whole: chain.entities === chain.expected && chain.live === 0, datagrams: chain.datagrams },
    fan: { width, whole: fan.entities === fan.expected && fan.live === 0, peak: fan.peak, peakWasmBytes: fan.peak },
    // The core benchmark's largest trace (the fan), by a name that says what it is.
    largestTracePeakWasmBytes: fan.peak,
    abandoned: { count: dropped, flat: ab.after.live === ab.before.live && ab.after.wasm === ab.before.wasm },
  };
}

if (process.argv[1] === self) {
  const [what, ...args] = process.argv.slice(2);
  if (Object.hasOwn(cases, what)) console.log(JSON.stringify(await cases[what](...args.map((a) => (/^\d+$/.test(a) ? Number(a) : a)))));
  else {
    // `node bench/memory.mjs [--quick]`: this suite alone (--quick: 100,000 invocations and segments).
    const quick = process.argv.includes("--quick");
    console.log(JSON.stringify(await runMemory({ total: quick ? 100_000 : 1_000_000, quick }), null, 2));
  }
}
