/**
 * The UDP emitter's accounting on Node, in this process, over real sockets on 127.0.0.1 (the other
 * runtimes are driven as processes in runtimes.test.ts): each datagram counted once, the queue
 * bounded, a socket that cannot open failing every datagram with flush() resolving, a host name
 * resolved again after a backoff (with a resolver and clock of the test's), warnings once per kind.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import dgram from "node:dgram";
import { Accounting, type Batch, describe } from "../../adapters/udp/accounting.ts";
import { createUdpEmitter, createUdpEmitterWith } from "../../adapters/udp/emitter.ts";
import { type Link, linkEmitter } from "../../adapters/udp/link.ts";
import { openNodeSocket } from "../../adapters/udp/node.ts";
import { retryDelayMs } from "../../adapters/udp/resolve.ts";

const datagram = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);

async function listen(): Promise<{ port: number; received: Buffer[]; close(): void }> {
  const socket = dgram.createSocket("udp4");
  const received: Buffer[] = [];
  socket.on("message", (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return { port: socket.address().port, received, close: () => socket.close() };
}

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const l = await listen();
  l.close();
  return l.port;
}

/** Waits until `condition` holds, failing after `ms` (a condition, not a sleep). */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A flush that must resolve: a hang fails the test instead of stalling the run. */
function flushed(p: Promise<void>, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("flush() did not resolve")), ms);
    p.then(() => {
      clearTimeout(timer);
      resolve();
    }, reject);
  });
}

const capture = () => {
  const messages: string[] = [];
  return { messages, logger: { warn: (m: string) => void messages.push(m) } };
};

test("no listener: 100 handed, sent + failed is 100, and flush() leaves them final", async () => {
  const port = await closedPort();
  const log = capture();
  const udp = createUdpEmitter({ address: `127.0.0.1:${port}`, logger: log.logger });
  for (let i = 0; i < 100; i++) udp.send(datagram(20));
  await flushed(udp.flush());
  const first = udp.stats();
  assert.is(first.sent + first.failed, 100, JSON.stringify(first));
  // One datagram at a time until one more refusal is reported (the last of the 100 may be refused
  // after flush() resolved), to see that it never moves any of the first 100.
  let probes = 0;
  while (udp.stats().refusedLater === first.refusedLater) {
    assert.ok(probes < 1000, "a refusal is reported");
    udp.send(datagram(20));
    probes++;
    await flushed(udp.flush());
    await new Promise((r) => setTimeout(r, 5)); // one turn of the loop for the ICMP reply
  }
  const last = udp.stats();
  assert.is(last.sent + last.failed, 100 + probes, "each datagram once");
  assert.is(last.sent - first.sent + (last.failed - first.failed), probes, "the first 100 kept their counts");
  assert.ok(last.refusedLater <= last.sent, "every refusal is of a datagram counted as sent");
  assert.ok(
    log.messages.some((m) => m.includes(`127.0.0.1:${port}`) && m.includes("ECONNREFUSED")),
    log.messages.join("\n"),
  );
  assert.not.ok(
    log.messages.some((m) => m.includes("undefined")),
    log.messages.join("\n"),
  );
  udp.close();
});

test("the queue waiting for the socket is bounded in datagrams: the overflow is counted failed", async () => {
  const listener = await listen();
  try {
    // A host name: resolving takes at least one turn of the loop, so all 30 wait for the socket.
    const udp = createUdpEmitter({ address: `localhost:${listener.port}`, logger: capture().logger, queue: { datagrams: 10 } });
    for (let i = 0; i < 30; i++) udp.send(datagram(50, i));
    await flushed(udp.flush());
    assert.equal(udp.stats(), { sent: 10, failed: 20, bytes: 500, refusedLater: 0 });
    await until(() => listener.received.length >= 10, "10 datagrams");
    assert.equal(
      listener.received.map((b) => b[0]),
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      "the first ten, in order",
    );
    udp.close();
  } finally {
    listener.close();
  }
});

test("the queue is bounded in bytes: a datagram that does not fit fails, a smaller one after it fits", async () => {
  const listener = await listen();
  try {
    const udp = createUdpEmitter({ address: `localhost:${listener.port}`, logger: capture().logger, queue: { bytes: 1000 } });
    for (const n of [300, 300, 300, 300, 100]) udp.send(datagram(n));
    await flushed(udp.flush());
    assert.equal(udp.stats(), { sent: 4, failed: 1, bytes: 1000, refusedLater: 0 });
    udp.close();
  } finally {
    listener.close();
  }
});

test("a socket that cannot be created (thrown or rejected): every datagram fails, flush() resolves", async () => {
  for (const open of [
    () => {
      throw Object.assign(new Error("address family not supported"), { code: "EAFNOSUPPORT" });
    },
    () => Promise.reject(Object.assign(new Error("address family not supported"), { code: "EAFNOSUPPORT" })),
    () => Promise.reject(undefined), // a runtime that rejects with nothing
  ]) {
    const log = capture();
    const accounting = new Accounting(log.logger, "[::1]:2000");
    const udp = linkEmitter({ host: "::1", port: 2000, family: 6 }, accounting, open);
    for (let i = 0; i < 100; i++) udp.send(datagram(10));
    await flushed(udp.flush());
    assert.equal(udp.stats(), { sent: 0, failed: 100, bytes: 0, refusedLater: 0 });
    assert.is(log.messages.length, 1, log.messages.join("\n"));
    assert.match(log.messages[0]!, /\[::1\]:2000/);
    assert.not.match(log.messages[0]!, /undefined/);
  }
});

test("node:dgram's connect error (a udp4 socket to ::1: EINVAL) is the socket's failure to open, not a link", async () => {
  const log = capture();
  const accounting = new Accounting(log.logger, "[::1]:2000");
  const udp = linkEmitter({ host: "::1", port: 2000, family: 6 }, accounting, (ip) => openNodeSocket({ ...ip, family: 4 }, accounting));
  for (let i = 0; i < 20; i++) udp.send(datagram(10));
  await flushed(udp.flush());
  assert.equal(udp.stats(), { sent: 0, failed: 20, bytes: 0, refusedLater: 0 });
  assert.is(log.messages.length, 1, log.messages.join("\n"));
  assert.match(log.messages[0]!, /\[::1\]:2000 failed \(connect EINVAL/);
});

test("a host name that does not resolve: every datagram failed with ENOTFOUND, said once", async () => {
  const log = capture();
  const udp = createUdpEmitter({ address: "xray-daemon.invalid:2000", logger: log.logger });
  for (let i = 0; i < 50; i++) udp.send(datagram(10));
  await flushed(udp.flush());
  for (let i = 0; i < 50; i++) udp.send(datagram(10)); // within the backoff: fail at once
  await flushed(udp.flush());
  assert.equal(udp.stats(), { sent: 0, failed: 100, bytes: 0, refusedLater: 0 });
  assert.is(log.messages.length, 1, log.messages.join("\n"));
  assert.match(log.messages[0]!, /xray-daemon\.invalid:2000/);
  assert.match(log.messages[0]!, /ENOTFOUND/);
});

test("resolution is tried again after 1 s, then 2 s, and the daemon is reached once it resolves", async () => {
  const listener = await listen();
  try {
    let clock = 0;
    const calls: number[] = [];
    const resolve = (host: string) => {
      calls.push(clock);
      if (calls.length < 3) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }));
      return Promise.resolve({ address: "127.0.0.1", family: 4 as const });
    };
    const log = capture();
    const udp = createUdpEmitterWith({ address: `xray-daemon:${listener.port}`, logger: log.logger }, { resolve, now: () => clock });
    const step = async (at: number) => {
      clock = at;
      udp.send(datagram(10));
      await flushed(udp.flush());
    };
    await step(0); // resolves (1st), fails
    await step(999); // waiting: no call
    await step(1000); // 2nd call, fails: next in 2 s
    await step(2999);
    await step(3000); // 3rd call, resolves: sent
    assert.equal(calls, [0, 1000, 3000]);
    assert.equal(udp.stats(), { sent: 1, failed: 4, bytes: 10, refusedLater: 0 });
    await until(() => listener.received.length === 1, "the datagram");
    assert.is(log.messages.length, 1, "ENOTFOUND said once");
    udp.close();
  } finally {
    listener.close();
  }
});

test("a lookup that never answers fails after the deadline (ETIMEOUT): flush() resolves", async () => {
  const log = capture();
  const never = () => new Promise<never>(() => {});
  const udp = createUdpEmitterWith({ address: "xray-daemon:2000", logger: log.logger }, { resolve: never, openTimeoutMs: 50 });
  for (let i = 0; i < 10; i++) udp.send(datagram(10));
  await flushed(udp.flush());
  assert.equal(udp.stats(), { sent: 0, failed: 10, bytes: 0, refusedLater: 0 });
  assert.match(log.messages.join("\n"), /xray-daemon:2000 failed \(ETIMEOUT: opening the socket took over 50 ms\)/);
});

test("a socket that never opens: 100,000 sends keep at most 8,192 waiting, then all fail; a late socket is closed", async () => {
  let opened!: (l: Link) => void;
  let closed = 0;
  const accounting = new Accounting(capture().logger, "[::1]:2000");
  const open = () => new Promise<Link>((r) => (opened = r));
  const udp = linkEmitter({ host: "::1", port: 2000, family: 6 }, accounting, open, {}, { openTimeoutMs: 50 });
  for (let i = 0; i < 100_000; i++) udp.send(datagram(100));
  assert.is(udp.stats().failed, 100_000 - 8192, "the overflow fails at once");
  await flushed(udp.flush());
  assert.equal(udp.stats(), { sent: 0, failed: 100_000, bytes: 0, refusedLater: 0 });
  opened({ write: () => assert.unreachable("a late socket is not used"), close: () => void closed++ });
  await until(() => closed === 1, "the late socket closed");
});

/** A link whose sends stay in flight until the test finishes them, first in first out. */
function manualLink(accounting: Accounting) {
  const inFlight: { batch: Batch; n: number }[] = [];
  const link: Link = {
    write: (d) => void inFlight.push({ batch: accounting.hold(), n: d.length }),
    close() {},
  };
  const finish = () => {
    const f = inFlight.shift()!;
    accounting.sent(f.n);
    accounting.release(f.batch);
  };
  return { link, inFlight, finish };
}

/** Whether `p` has settled once everything already queued has run (a negative check, no timing). */
async function settledNow(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(() => (settled = true));
  await new Promise((r) => setImmediate(r));
  return settled;
}

test("flush() waits for what was handed before it, never for what came after", async () => {
  const accounting = new Accounting(capture().logger, "127.0.0.1:2000");
  const m = manualLink(accounting);
  const udp = linkEmitter({ host: "127.0.0.1", port: 2000, family: 4 }, accounting, () => m.link);
  udp.send(datagram(1));
  const first = udp.flush();
  udp.send(datagram(2)); // another invocation's, still in flight
  assert.is(await settledNow(first), false, "the first datagram is in flight");
  m.finish();
  await flushed(first);
  assert.is(m.inFlight.length, 1, "resolved while the second is in flight");
  const second = udp.flush();
  assert.is(await settledNow(second), false);
  m.finish();
  await flushed(second);
  assert.equal(udp.stats(), { sent: 2, failed: 0, bytes: 3, refusedLater: 0 });
});

test("a datagram queued before flush() and sent after the socket opened still holds that flush()", async () => {
  const accounting = new Accounting(capture().logger, "127.0.0.1:2000");
  const m = manualLink(accounting);
  let opened!: (l: Link) => void;
  const udp = linkEmitter({ host: "127.0.0.1", port: 2000, family: 4 }, accounting, () => new Promise<Link>((r) => (opened = r)));
  udp.send(datagram(1)); // queued: the socket is opening
  const first = udp.flush();
  udp.send(datagram(2)); // queued too, after the flush
  opened(m.link); // both written, both in flight
  assert.is(await settledNow(first), false, "the first is in flight");
  assert.is(m.inFlight.length, 2);
  m.finish();
  await flushed(first);
  const second = udp.flush();
  assert.is(await settledNow(second), false, "the second is in flight");
  m.finish();
  await flushed(second);
  assert.equal(udp.stats(), { sent: 2, failed: 0, bytes: 3, refusedLater: 0 });
});

test("the backoff schedule: 1, 2, 4 ... seconds, at most 60", () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7, 8, 20].map(retryDelayMs), [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
});

test("close() while the socket opens: the waiting datagrams fail, flush() resolves", async () => {
  const listener = await listen();
  try {
    const udp = createUdpEmitter({ address: `localhost:${listener.port}`, logger: capture().logger });
    for (let i = 0; i < 5; i++) udp.send(datagram(10));
    udp.close();
    udp.send(datagram(10));
    await flushed(udp.flush());
    assert.equal(udp.stats(), { sent: 0, failed: 6, bytes: 0, refusedLater: 0 });
  } finally {
    listener.close();
  }
});

test("a logger that throws does not reach the caller", async () => {
  const udp = createUdpEmitter({
    address: "xray-daemon.invalid:2000",
    logger: {
      warn() {
        throw new Error("logger broke");
      },
    },
  });
  udp.send(datagram(10));
  await flushed(udp.flush());
  assert.is(udp.stats().failed, 1);
});

test("default logger: console.warn with [xray-edge], naming the address and the cause", async () => {
  // AWS_XRAY_LOG_LEVEL is read once, when xray-edge/udp loads: its silent case runs as a process of
  // its own on each runtime (runtimes.test.ts).
  const saved = console.warn;
  const said: string[] = [];
  console.warn = (m: string) => void said.push(m);
  try {
    const loud = createUdpEmitter({ address: "xray-daemon.invalid:2000" });
    loud.send(datagram(10));
    await flushed(loud.flush());
    assert.is(said.length, 1);
    assert.match(said[0]!, /^\[xray-edge\] .*xray-daemon\.invalid:2000.*ENOTFOUND/);
  } finally {
    console.warn = saved;
  }
});

test("describe(): the cause is never 'undefined'", () => {
  assert.is(describe(undefined), "the runtime gave no error");
  assert.is(describe(null), "the runtime gave no error");
  assert.is(
    describe(Object.assign(new Error("connection refused, recv"), { code: "ECONNREFUSED" })),
    "ECONNREFUSED: connection refused, recv",
  );
  assert.is(
    describe(Object.assign(new Error("getaddrinfo ENOTFOUND x.invalid"), { code: "ENOTFOUND" })),
    "getaddrinfo ENOTFOUND x.invalid",
  );
  assert.is(describe("text"), "text");
});

test.run();
