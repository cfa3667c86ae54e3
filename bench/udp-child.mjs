// One end-to-end measurement in whatever runtime runs this file: N segments with 3 subsegments
// (annotations, metadata) built, encoded and sent over UDP to 127.0.0.1:<port>, all sends awaited.
// Modes: ours (xray-edge + createUdpEmitter), aws (aws-xray-sdk-core, its own UDP emitter),
// floor (a bare node:dgram send of the same bytes: what no SDK can beat). Prints µs per segment.
import { createRequire } from "node:module";
import dgram from "node:dgram";
import { Tracer } from "../dist/index.js";
import { createUdpEmitter } from "../dist/udp.js";

const [mode, port, count] = process.argv.slice(2);
const N = Number(count);
const HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const METADATA = { key: { id: "abc" }, limit: 10 };

function trace(tracer) {
  const s = tracer.beginSegment("handler", { traceHeader: HEADER });
  for (let i = 0; i < 3; i++) {
    const sub = s.beginSubsegment("DynamoDB");
    sub.addAnnotation("table", "orders");
    sub.addAnnotation("items", 3);
    sub.addMetadata("request", METADATA);
    sub.close();
  }
  s.close();
}

async function ours() {
  const udp = createUdpEmitter({ address: `127.0.0.1:${port}` });
  const tracer = new Tracer({ emitter: udp });
  for (let i = 0; i < 2000; i++) trace(tracer); // warm-up
  await udp.flush();
  const t = performance.now();
  for (let i = 0; i < N; i++) trace(tracer);
  await udp.flush();
  return performance.now() - t;
}

async function aws() {
  process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
  const AWSXRay = createRequire(import.meta.url)("aws-xray-sdk-core");
  AWSXRay.setContextMissingStrategy("IGNORE_ERROR");
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  const run = () => {
    const s = new AWSXRay.Segment("handler", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8");
    for (let i = 0; i < 3; i++) {
      const sub = s.addNewSubsegment("DynamoDB");
      sub.addAnnotation("table", "orders");
      sub.addAnnotation("items", 3);
      sub.addMetadata("request", METADATA);
      sub.close();
    }
    s.close();
  };
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
  trace(new Tracer({ emitter: { send: (d) => void (bytes = Buffer.from(d)), flush: async () => {} } }));
  const socket = dgram.createSocket("udp4");
  await new Promise((r) => socket.connect(Number(port), "127.0.0.1", r));
  socket.unref();
  const sendAll = (n) => new Promise((resolve) => {
    let done = 0;
    for (let i = 0; i < n; i++) socket.send(bytes, () => { if (++done === n) resolve(); });
  });
  await sendAll(2000);
  const t = performance.now();
  await sendAll(N);
  return performance.now() - t;
}

const elapsed = await { ours, aws, floor }[mode]();
console.log(((elapsed * 1000) / N).toFixed(3));
