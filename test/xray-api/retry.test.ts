/**
 * Retries against the stand-in: throttling, 5xx, timeouts (a call never answered) and unprocessed
 * segments, on the documented schedule, bounded; every document handed ends sent or failed,
 * counted, and the stand-in's accepted documents are exactly those counted sent.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { backoffMs } from "../../adapters/xray-api/retry.ts";
import { badRequest, hang, serverError, startStandIn, type StandIn, throttle, unprocessed } from "./standin.ts";
import { capture, datagram, emitterTo, FakeTimers, idOf, TIMEOUT, until, withBackoffs } from "./helpers.ts";

let api: StandIn;
test.before.each(async () => {
  api = await startStandIn();
});
test.after.each(async () => {
  assert.equal(api.problems, [], "every request well-formed and signed");
  await api.close();
});

const puts = () => api.of("PutTraceSegments");
const sendAll = (emitter: { send(d: Uint8Array): void }, n: number) => {
  for (let i = 1; i <= n; i++) emitter.send(datagram(i));
};

test("the schedule: 100 ms doubling, capped at 2 s, half of it jitter", () => {
  assert.equal(
    [1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, 0)),
    [50, 100, 200, 400, 800, 1000],
  );
  assert.equal([1, 2, 3, 4, 5, 6].map((a) => backoffMs(a, 0.999999)).map(Math.round), [100, 200, 400, 800, 1600, 2000]);
});

test("throttled twice, then accepted: sent after 2 retries, waits of 50 then 100 ms (random 0)", async () => {
  api.script("PutTraceSegments", throttle(), throttle());
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  sendAll(emitter, 3);
  await withBackoffs(timers, emitter.flush());
  const s = emitter.stats();
  assert.equal([s.sent, s.failed, s.calls, s.retries], [3, 0, 3, 2]);
  assert.equal(
    puts().map((r) => r.answer),
    [429, 429, 200],
  );
  assert.equal(
    timers.fired.filter((ms) => ms <= 2000),
    [50, 100],
  );
  assert.equal(
    api.accepted.map((d) => d.id),
    [1, 2, 3].map(idOf),
  );
});

test("throttled on every attempt: failed after maxAttempts calls, said once, flush() resolves", async () => {
  api.script("PutTraceSegments", throttle(), throttle(), throttle(), throttle(), throttle());
  const timers = new FakeTimers();
  const log = capture();
  const emitter = emitterTo(api.url, timers, { logger: log.logger });
  sendAll(emitter, 3);
  await withBackoffs(timers, emitter.flush());
  const s = emitter.stats();
  assert.equal([s.sent, s.failed, s.calls, s.retries, s.queued], [0, 3, 4, 3, 0]);
  assert.is(puts().length, 4, "the default maxAttempts");
  assert.is(log.messages.length, 1, log.messages.join("\n"));
  assert.match(log.messages[0]!, /throttled/);
  assert.match(log.messages[0]!, /after 4 attempts/);
});

test("500 then 503, then accepted; maxAttempts 2 gives up after one retry", async () => {
  api.script("PutTraceSegments", serverError(500), serverError(503));
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  sendAll(emitter, 2);
  await withBackoffs(timers, emitter.flush());
  assert.equal([emitter.stats().sent, emitter.stats().retries], [2, 2]);

  api.script("PutTraceSegments", serverError(502), serverError(500));
  const two = emitterTo(api.url, timers, { maxAttempts: 2 });
  sendAll(two, 2);
  await withBackoffs(timers, two.flush());
  assert.equal([two.stats().sent, two.stats().failed, two.stats().calls], [0, 2, 2]);
});

test("a 400 is final: failed at once, no retry", async () => {
  api.script("PutTraceSegments", badRequest());
  const timers = new FakeTimers();
  const log = capture();
  const emitter = emitterTo(api.url, timers, { logger: log.logger });
  sendAll(emitter, 2);
  await withBackoffs(timers, emitter.flush());
  assert.equal([emitter.stats().failed, emitter.stats().calls, emitter.stats().retries], [2, 1, 0]);
  assert.match(log.messages.join("\n"), /InvalidRequestException/);
});

test("a call never answered times out after timeoutMs, is retried, and the retry is accepted", async () => {
  api.script("PutTraceSegments", hang());
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers);
  sendAll(emitter, 3);
  let resolved = false;
  const flushed = emitter.flush().then(() => (resolved = true));
  await until(() => api.hanging() === 1, "the first call held by the stand-in");
  assert.ok(!resolved, "flush() waits for the call in flight");
  assert.ok(
    timers.fire((ms) => ms === TIMEOUT),
    "the call's deadline was set",
  );
  await withBackoffs(timers, flushed);
  const s = emitter.stats();
  assert.equal([s.sent, s.failed, s.retries], [3, 0, 1]);
  assert.equal(
    api.accepted.map((d) => d.id),
    [1, 2, 3].map(idOf),
  );
});

test("never answered on every attempt: failed as timeouts, counted", async () => {
  api.script("PutTraceSegments", hang(), hang());
  const timers = new FakeTimers();
  const log = capture();
  const emitter = emitterTo(api.url, timers, { maxAttempts: 2, logger: log.logger });
  sendAll(emitter, 2);
  const flushed = emitter.flush();
  for (let n = 1; n <= 2; n++) {
    await until(() => puts().filter((r) => r.answer === "hang").length === n, `call ${n} held`);
    assert.ok(timers.fire((ms) => ms === TIMEOUT));
    if (n === 1) await until(() => timers.fire((ms) => ms <= 2000), "the backoff set");
  }
  await withBackoffs(timers, flushed);
  assert.equal([emitter.stats().failed, emitter.stats().sent, emitter.stats().calls], [2, 0, 2]);
  assert.match(log.messages.join("\n"), /timeout/);
});

test("unprocessed segments: a throttled one is sent again, invalid and unknown codes fail", async () => {
  api.script(
    "PutTraceSegments",
    unprocessed((docs) => [
      { Id: docs[0].id, ErrorCode: "ThrottledException", Message: "Rate exceeded" },
      { Id: docs[1].id, ErrorCode: "InvalidTraceId", Message: "Invalid trace id" },
      { Id: docs[2].id, ErrorCode: "NeverHeardOfIt" },
    ]),
  );
  const timers = new FakeTimers();
  const log = capture();
  const emitter = emitterTo(api.url, timers, { logger: log.logger });
  sendAll(emitter, 4);
  await withBackoffs(timers, emitter.flush());
  const s = emitter.stats();
  assert.equal([s.sent, s.failed, s.unprocessed, s.retries, s.calls], [2, 2, 3, 1, 2]);
  assert.equal(
    puts()[1]!.body.TraceSegmentDocuments.map((d: string) => JSON.parse(d).id),
    [idOf(1)],
    "only the retryable one is sent again",
  );
  assert.equal(api.accepted.map((d) => d.id).sort(), [idOf(1), idOf(4)]);
  assert.match(log.messages.join("\n"), /InvalidTraceId/);
});

test("unprocessed on every attempt: failed after maxAttempts", async () => {
  const again = () => unprocessed((docs) => docs.map((d) => ({ Id: d.id, ErrorCode: "InternalFailure" })));
  api.script("PutTraceSegments", again(), again(), again());
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers, { maxAttempts: 3 });
  sendAll(emitter, 2);
  await withBackoffs(timers, emitter.flush());
  assert.equal([emitter.stats().failed, emitter.stats().unprocessed, emitter.stats().calls], [2, 6, 3]);
});

test("a mixed storm: 230 documents, every one sent, failed or dropped, and accepted = sent", async () => {
  api.script(
    "PutTraceSegments",
    throttle(),
    serverError(500),
    unprocessed((docs) => docs.slice(0, 5).map((d) => ({ Id: d.id, ErrorCode: "ThrottledException" }))),
    throttle(),
    throttle(),
    throttle(),
    throttle(),
    badRequest(),
    unprocessed((docs) => docs.slice(0, 3).map((d) => ({ Id: d.id, ErrorCode: "MissingId" }))),
  );
  const timers = new FakeTimers();
  const emitter = emitterTo(api.url, timers, { maxQueueBytes: 65_536 });
  // 200-byte documents: 327 fit in 65,536 bytes; send 230 at once (5 batches), then flush.
  for (let i = 1; i <= 230; i++) emitter.send(datagram(i));
  await withBackoffs(timers, emitter.flush());
  const s = emitter.stats();
  assert.is(s.sent + s.failed + s.dropped, 230, JSON.stringify(s));
  assert.is(s.queued, 0);
  assert.is(api.accepted.length, s.sent, "the stand-in holds exactly what was counted sent");
  assert.is(new Set(api.accepted.map((d) => d.id)).size, s.sent, "no document accepted twice");
  assert.ok(s.failed > 0 && s.retries > 0 && s.unprocessed > 0, JSON.stringify(s));
});

test.run();
