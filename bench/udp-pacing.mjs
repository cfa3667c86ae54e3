// The figures behind adapters/udp/pace.ts, measured on this machine (Linux only: /proc/net/udp):
// what a socket with Linux's default receive buffer holds (datagrams that fit, what the kernel
// charges each: rx_queue), how fast a Node listener that parses each datagram as JSON reads, and
// how long a 1 MB trace takes to leave createUdpEmitter on Node, Bun and Deno against such a
// listener, with the kernel's drops. Senders run with spawnSync, which blocks this process's loop:
// nothing is read while they send. Usage: node bench/udp-pacing.mjs (after npm run build).
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = `${root}test/udp/fixtures/large.mjs`;
const RUNTIMES = {
  node: [process.execPath, fixture],
  bun: [`${root}node_modules/.bin/bun`, "run", fixture],
  deno: [`${root}node_modules/.bin/deno`, "run", "-A", fixture],
};

function queueOf(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  for (const line of readFileSync("/proc/net/udp", "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local) return { rx: Number.parseInt(f[4].split(":")[1], 16), drops: Number(f[f.length - 1]) };
  }
  throw new Error(`no /proc/net/udp line for ${local}`);
}

async function listener(askFor, onMessage = () => {}) {
  const s = dgram.createSocket("udp4");
  s.on("message", onMessage);
  await new Promise((r) => s.bind(0, "127.0.0.1", r));
  s.setRecvBufferSize(askFor);
  return s;
}

/** `n` datagrams of `size` bytes (a daemon header and a JSON document) sent to `port` by a child. */
const sendSync = (port, size, n) =>
  spawnSync(process.execPath, [
    "-e",
    `const s = require("node:dgram").createSocket("udp4");
     const doc = JSON.stringify({ name: "work", metadata: { blob: "b".repeat(Math.max(1, ${size} - 80)) } });
     const buf = Buffer.from('{"format": "json", "version": 1}\\n' + doc).subarray(0, ${size});
     s.connect(${port}, "127.0.0.1", async () => { for (let i = 0; i < ${n}; i++) await new Promise((r) => s.send(buf, r)); s.close(); });`,
  ]);

async function fit(size) {
  const s = await listener(106_496);
  sendSync(s.address().port, size, 400);
  const { rx, drops } = queueOf(s.address().port); // read before this loop turns: nothing was read
  const buffer = s.getRecvBufferSize();
  s.close();
  return { size, buffer, fit: 400 - drops, charged: Math.round(rx / (400 - drops)) };
}

async function readRate(size, n) {
  let got = 0;
  let first = 0;
  let last = 0;
  let done;
  const all = new Promise((r) => (done = r));
  const s = await listener(4 * 1024 * 1024, (m) => {
    const text = m.toString("utf8");
    const nl = text.indexOf("\n");
    JSON.parse(text.slice(0, nl));
    try {
      JSON.parse(text.slice(nl + 1));
    } catch {
      // cut to size: the parse was still done
    }
    if (++got === 20) first = performance.now(); // the first 20 warm the reader up
    last = performance.now();
    if (got === n) done();
  });
  sendSync(s.address().port, size, n);
  await all;
  s.close();
  const perSecond = ((n - 20) / (last - first)) * 1000;
  return { size, perSecond: Math.round(perSecond), mbps: ((perSecond * size) / 1e6).toFixed(0) };
}

async function trace(runtime) {
  const s = await listener(106_496);
  const port = s.address().port;
  const out = await new Promise((resolve) => {
    const c = spawn(RUNTIMES[runtime][0], [...RUNTIMES[runtime].slice(1), `127.0.0.1:${port}`, "80", "12000"]);
    let o = "";
    c.stdout.on("data", (d) => (o += d));
    c.on("close", () => resolve(o));
  });
  const r = JSON.parse(out.trim().split("\n").pop());
  for (let i = 0; i < 100 && queueOf(port).rx > 0; i++) await new Promise((res) => setTimeout(res, 10));
  const { drops } = queueOf(port);
  s.close();
  return { runtime, ms: r.ms.toFixed(0), datagrams: r.produced, bytes: r.bytes, drops };
}

for (const size of [100, 873, 12_000, 16_100, 65_507]) {
  const f = await fit(size);
  console.log(`receive buffer ${f.buffer}: ${f.fit} datagrams of ${size} bytes fit, each charged ${f.charged}`);
}
for (const [size, n] of [
  [1000, 2000],
  [12_000, 400],
  [65_000, 110],
]) {
  const r = await readRate(size, n);
  console.log(`a Node listener parsing JSON reads ${r.perSecond} datagrams of ${size} bytes a second (${r.mbps} MB/s)`);
}
for (const runtime of Object.keys(RUNTIMES)) {
  const t = await trace(runtime);
  console.log(
    `${t.runtime}: a trace of 80 x 12 kB (${t.datagrams} datagrams, ${t.bytes} bytes with the warm-up) built and flushed in ${t.ms} ms, kernel drops ${t.drops}`,
  );
}
