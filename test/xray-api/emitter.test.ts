/**
 * The X-Ray API emitter against the stand-in, through @aws-sdk/client-xray (real SigV4, real HTTP on
 * 127.0.0.1), with the emitter's timers simulated: batching, the byte bounds, flush(), and every
 * document accounted for as sent, failed or dropped.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startStandIn, type StandIn } from "./standin.ts";
import { capture, datagram, emitterTo, FakeTimers, idOf, INTERVAL, until, withBackoffs } from "./helpers.ts";

let api: StandIn;
test.before.each(async () => {
  api = await startStandIn();
});
test.after.each(async () => {
  assert.equal(api.problems, [], "every request well-formed and signed");
  await api.close();
});

const batchSizes = () => api.of("PutTraceSegments").map((r) => r.body.TraceSegmentDocuments.length);

test("51 documents: a full batch of 50 goes at once, the 51st when the interval fires", async () => {
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  for (let i = 1; i <= 51; i++) emitter.send(datagram(i));
  await until(() => emitter.stats().sent === 50, "the full batch sent");
  assert.equal(batchSizes(), [50]);
  assert.equal(emitter.stats().queued, 1);
  assert.equal(timers.pending(), [INTERVAL], "only the interval waits");
  assert.ok(timers.fire((ms) => ms === INTERVAL));
  await until(() => emitter.stats().sent === 51, "the 51st sent");
  assert.equal(batchSizes(), [50, 1]);
  assert.equal(
    api.accepted.map((d) => d.id),
    Array.from({ length: 51 }, (_, i) => idOf(i + 1)),
  );
  const s = emitter.stats();
  assert.equal([s.sent, s.failed, s.dropped, s.calls, s.retries, s.queued, s.queuedBytes], [51, 0, 0, 2, 0, 0, 0]);
  assert.is(s.bytes, 51 * 200);
});

test("flush() sends a partial batch at once and resolves when it is sent", async () => {
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  for (let i = 1; i <= 3; i++) emitter.send(datagram(i));
  assert.equal(api.requests.length, 0, "nothing sent before the interval or a flush");
  await withBackoffs(timers, emitter.flush());
  assert.equal(batchSizes(), [3]);
  assert.is(emitter.stats().sent, 3);
  assert.is(emitter.stats().queued, 0);
});

test("flush() with nothing held resolves without a call", async () => {
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  await withBackoffs(timers, emitter.flush());
  assert.is(api.requests.length, 0);
});

test("the body bound: documents of 30,000 bytes go 4 to a call under maxRequestBytes 131072", async () => {
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers, { maxRequestBytes: 131_072, maxQueueBytes: 1_000_000 });
  for (let i = 1; i <= 10; i++) emitter.send(datagram(i, 30_000));
  await withBackoffs(timers, emitter.flush());
  // 4 × (30,000 + 24 escaped quotes + 3) + 28 = 120,136 fits; a fifth would make 150,163.
  assert.equal(batchSizes(), [4, 4, 2]);
  for (const r of api.of("PutTraceSegments"))
    assert.ok(Number(r.headers["content-length"]) <= 131_072, `body ${r.headers["content-length"]}`);
  assert.is(emitter.stats().sent, 10);
});

test("the queue bound: past maxQueueBytes documents are dropped, counted, said once", async () => {
  const timers = new FakeTimers();
  const log = capture();
  const emitter = emitterTo(api.url, timers, { maxQueueBytes: 65_536, logger: log.logger });
  for (let i = 1; i <= 10; i++) emitter.send(datagram(i, 10_000));
  // 6 × 10,000 = 60,000 fit in 65,536; the other 4 do not.
  assert.equal([emitter.stats().queued, emitter.stats().queuedBytes, emitter.stats().dropped], [6, 60_000, 4]);
  assert.is(log.messages.filter((m) => m.includes("maxQueueBytes 65536")).length, 1, log.messages.join("\n"));
  await withBackoffs(timers, emitter.flush());
  assert.equal([emitter.stats().sent, emitter.stats().dropped, emitter.stats().failed], [6, 4, 0]);
  assert.equal(
    api.accepted.map((d) => d.id),
    [1, 2, 3, 4, 5, 6].map(idOf),
  );
  // Room again once sent: the bound counts what is held, not what was ever taken.
  emitter.send(datagram(11, 10_000));
  assert.is(emitter.stats().queued, 1);
});

test("a datagram without the daemon header, or over 64 KB, is failed at send, counted, said once per kind", () => {
  const timers = new FakeTimers();
  const log = capture();
  const emitter = emitterTo(api.url, timers, { logger: log.logger });
  emitter.send(new TextEncoder().encode('{"id":"x"}'));
  emitter.send(new TextEncoder().encode("garbage"));
  emitter.send(datagram(1, 65_537));
  emitter.send(null as unknown as Uint8Array);
  assert.equal([emitter.stats().failed, emitter.stats().queued], [4, 0]);
  assert.is(log.messages.length, 2, log.messages.join("\n"));
});

test("the datagram is copied: the core may reuse its memory as soon as send() returns", async () => {
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  const view = datagram(7);
  emitter.send(view);
  view.fill(0x20);
  await withBackoffs(timers, emitter.flush());
  assert.equal(
    api.accepted.map((d) => d.id),
    [idOf(7)],
  );
});

test("flush() waits for what was handed before it, not for what comes after", async () => {
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  for (let i = 1; i <= 2; i++) emitter.send(datagram(i));
  let resolved = false;
  const flushed = emitter.flush().then(() => (resolved = true));
  await until(() => emitter.stats().sent === 2, "the two sent");
  emitter.send(datagram(3));
  await withBackoffs(timers, flushed);
  assert.ok(resolved);
  assert.equal([emitter.stats().sent, emitter.stats().queued], [2, 1], "the third waits for its interval");
  assert.equal(batchSizes(), [2]);
});

test.run();
