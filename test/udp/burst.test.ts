/**
 * Bursts (adapters/udp/burst.ts): the first datagram of a turn leaves at once, the rest of the turn
 * at its end, in order; what waits is bounded; `now()` sends what waits. And on Node's socket: a
 * burst handed over just before process.exit() still reaches the listener.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { BURST_BYTES, BURST_DATAGRAMS, burst } from "../../adapters/udp/burst.ts";

test("the first item of a turn is sent at once, the rest at the end of the turn, in order", async () => {
  const sent: number[] = [];
  const b = burst<number>((n) => sent.push(n));
  for (let i = 0; i < 5; i++) b.add(i, 100);
  assert.equal(sent, [0], "only the first, synchronously");
  await Promise.resolve();
  assert.equal(sent, [0, 1, 2, 3, 4], "the rest once the turn's microtasks run");
  b.add(5, 100);
  assert.equal(sent, [0, 1, 2, 3, 4, 5], "a new turn: its first at once again");
});

test("a lone item per turn is always sent at once (a Lambda invocation's one document)", async () => {
  const sent: number[] = [];
  const b = burst<number>((n) => sent.push(n));
  for (let i = 0; i < 3; i++) {
    b.add(i, 800);
    assert.is(sent.length, i + 1, `turn ${i}: sent inside add()`);
    await new Promise((r) => setTimeout(r, 0));
  }
});

test(`at most ${BURST_DATAGRAMS} items wait: the next one sends them all, synchronously`, () => {
  const sent: number[] = [];
  const b = burst<number>((n) => sent.push(n));
  b.add(-1, 10); // the turn's first
  for (let i = 0; i < BURST_DATAGRAMS - 1; i++) b.add(i, 10);
  assert.is(sent.length, 1, `${BURST_DATAGRAMS - 1} waiting`);
  b.add(BURST_DATAGRAMS - 1, 10);
  assert.is(sent.length, BURST_DATAGRAMS + 1, "the bound reached: all sent at once");
  assert.equal(sent.slice(-2), [BURST_DATAGRAMS - 2, BURST_DATAGRAMS - 1], "in order");
});

test(`at most ${BURST_BYTES} bytes wait`, () => {
  const sent: number[] = [];
  const b = burst<number>((n) => sent.push(n));
  b.add(0, 10);
  b.add(1, BURST_BYTES - 1);
  assert.is(sent.length, 1);
  b.add(2, 1);
  assert.equal(sent, [0, 1, 2]);
});

test("now() sends whatever waits (a close, process exit); with nothing waiting it sends nothing", async () => {
  const sent: number[] = [];
  const b = burst<number>((n) => sent.push(n));
  b.now();
  assert.equal(sent, []);
  b.add(0, 1);
  b.add(1, 1);
  b.add(2, 1);
  b.now();
  assert.equal(sent, [0, 1, 2]);
  await Promise.resolve();
  assert.equal(sent, [0, 1, 2], "nothing sent twice at the turn's end");
});

/** A child that opens the emitter, then closes `n` segments and calls process.exit() in the same turn. */
const EXIT_SCRIPT = `
import { Tracer } from "./dist/index.js";
import { createUdpEmitter } from "./dist/udp.js";
const udp = createUdpEmitter({ address: process.argv[1] });
const tracer = new Tracer({ emitter: udp, logger: { warn() {} } });
const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
tracer.beginSegment("open", { traceHeader: header }).close();
await udp.flush(); // the socket is open: what follows goes through the bursts
for (let i = 0; i < Number(process.argv[2]); i++) tracer.beginSegment("s" + i, { traceHeader: header }).close();
process.exit(0);
`;

test("segments closed just before process.exit() in the same turn all reach the listener", async () => {
  const listener = dgram.createSocket("udp4");
  const names: string[] = [];
  listener.on("message", (m) => names.push(JSON.parse(m.toString().split("\n")[1]!).name));
  await new Promise<void>((r) => listener.bind(0, "127.0.0.1", () => r()));
  listener.setRecvBufferSize(4 * 1024 * 1024);
  const n = 20;
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--input-type=module", "-e", EXIT_SCRIPT, `127.0.0.1:${listener.address().port}`, String(n)],
        { timeout: 20_000 },
        (error, _out, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve()),
      ),
    );
    const deadline = Date.now() + 5000;
    while (names.length < n + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.equal(names, ["open", ...Array.from({ length: n }, (_, i) => `s${i}`)], "every datagram, in order");
  } finally {
    listener.close();
  }
});

test.run();
