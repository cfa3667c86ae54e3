// By hand, against AWS's own X-Ray daemon (not part of npm test or npm run bench: the daemon is not
// in the repository). A flood of N traced segments (bench/workload.mjs's, 3 subsegments each, one
// datagram of 873 bytes), sent bare as fast as node:dgram goes or through xray-edge's paced UDP
// emitter; then how many the daemon forwarded to the X-Ray API, which this script stands in for.
//   node bench/daemon-flood.mjs <bare|ours> <N> [daemon=127.0.0.1:2400] [api-port=4599]
// Start the daemon in local mode with `Endpoint: "http://127.0.0.1:<api-port>"` and
// `UDPAddress: "<daemon>"`, after this script's stand-in is listening (it waits for 3 s first).
import dgram from "node:dgram";
import http from "node:http";
import { Tracer } from "../dist/index.js";
import { createUdpEmitter } from "../dist/udp.js";
import { oursSegment } from "./workload.mjs";

const [mode, count, daemon = "127.0.0.1:2400", apiPort = "4599"] = process.argv.slice(2);
const n = Number(count);
const [host, port] = daemon.split(":");
let forwarded = 0;
const api = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    try {
      forwarded += JSON.parse(body).TraceSegmentDocuments?.length ?? 0;
    } catch {}
    res.setHeader("content-type", "application/json");
    res.end('{"UnprocessedTraceSegments":[]}');
  });
});
await new Promise((r) => api.listen(Number(apiPort), "127.0.0.1", r));
await new Promise((r) => setTimeout(r, 3000)); // the daemon's own start-up, by hand

const started = performance.now();
let stats;
if (mode === "bare") {
  let bytes;
  oursSegment(new Tracer({ emitter: { send: (d) => void (bytes = Buffer.from(d)), flush: async () => {} } }));
  const s = dgram.createSocket("udp4");
  await new Promise((r) => s.connect(Number(port), host, r));
  await new Promise((done) => {
    let sent = 0;
    for (let i = 0; i < n; i++) s.send(bytes, () => ++sent === n && done());
  });
  s.close();
} else {
  const udp = createUdpEmitter({ address: daemon, logger: { warn() {} } });
  const tracer = new Tracer({ emitter: udp });
  for (let i = 0; i < n; i++) oursSegment(tracer);
  await udp.flush();
  stats = udp.stats();
}
const ms = performance.now() - started;
// The daemon sends 50 documents a call and the rest after 1 s idle: wait until the count settles.
let last = -1;
while (forwarded !== last) {
  last = forwarded;
  await new Promise((r) => setTimeout(r, 1500));
}
api.close();
console.log(JSON.stringify({ mode, n, ms: Math.round(ms), forwarded, lost: n - forwarded - (stats?.failed ?? 0), stats }));
