// One end-to-end measurement in whatever runtime runs this file: N segments with 3 subsegments
// (annotations, metadata) built, encoded and sent over UDP to 127.0.0.1:<port>, all sends awaited.
// Modes: ours (xray-edge + createUdpEmitter), aws (aws-xray-sdk-core, its own UDP emitter),
// floor (a bare node:dgram send of the same bytes: what no SDK can beat through node:dgram; on
// Deno, where xray-edge sends through FFI, it beats this floor), build (ours up to the emitter:
// the same segments built and encoded, handed to an emitter that drops them: what ours costs
// besides the send). Prints µs per segment.
import { createRequire } from "node:module";
import dgram from "node:dgram";
import { Tracer } from "../dist/index.js";
import { createUdpEmitter } from "../dist/udp.js";
import { oursSegment, awsSegment } from "./workload.mjs";

const [mode, port, count] = process.argv.slice(2);
const N = Number(count);
async function ours() {
  const udp = createUdpEmitter({ address: `127.0.0.1:${port}` });
  const tracer = new Tracer({ emitter: udp });
  for (let i = 0; i < 2000; i++) oursSegment(tracer); // warm-up
  await udp.flush();
  const t = performance.now();
  // A flush every 4,096 segments keeps a long run within the pacing queue's bound (8,192
  // datagrams): beyond it a flood is shed, counted failed, and this run would measure nothing.
  for (let i = 0; i < N; i++) {
    oursSegment(tracer);
    if (i % 4096 === 4095) await udp.flush();
  }
  await udp.flush();
  const elapsed = performance.now() - t;
  // A datagram counted failed was not measured: say so rather than report a flattering figure.
  const { failed } = udp.stats();
  if (failed > 0) throw new Error(`${failed} datagrams failed during the benchmark (the pacing queue's bounds?)`);
  return elapsed;
}

async function aws() {
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
  const AWSXRay = createRequire(import.meta.url)("aws-xray-sdk-core");
  AWSXRay.setContextMissingStrategy("IGNORE_ERROR");
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  const run = () => awsSegment(AWSXRay);
  for (let i = 0; i < 2000; i++) run();
  await new Promise((r) => setTimeout(r, 200)); // its sends have no flush: let them drain
  const t = performance.now();
  for (let i = 0; i < N; i++) run();
  const elapsed = performance.now() - t;
  await new Promise((r) => setTimeout(r, 200));
  return elapsed;
}

async function floor() {
  // The bytes of one of our documents, sent bare.
  let bytes;
  oursSegment(new Tracer({ emitter: { send: (d) => void (bytes = Buffer.from(d)), flush: async () => {} } }));
  const socket = dgram.createSocket("udp4");
  await new Promise((r) => socket.connect(Number(port), "127.0.0.1", r));
  socket.unref();
  const sendAll = (n) =>
    new Promise((resolve) => {
      let done = 0;
      for (let i = 0; i < n; i++)
        socket.send(bytes, () => {
          if (++done === n) resolve();
        });
    });
  await sendAll(2000);
  const t = performance.now();
  await sendAll(N);
  const elapsed = performance.now() - t;
  socket.close(); // Deno's node:dgram ignores unref() once connected: close, or it never exits
  return elapsed;
}

async function build() {
  const tracer = new Tracer({ emitter: { send() {}, flush: async () => {} } });
  for (let i = 0; i < 2000; i++) oursSegment(tracer);
  const t = performance.now();
  for (let i = 0; i < N; i++) oursSegment(tracer);
  return performance.now() - t;
}

const elapsed = await { ours, aws, floor, build }[mode]();
console.log(((elapsed * 1000) / N).toFixed(3));
