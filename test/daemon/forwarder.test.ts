/**
 * The forwarding queue in-process, with fake senders: bounded in bytes (the oldest dropped, the
 * newest kept), and every request given a time limit after which it is aborted and retried.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Forwarder, type SendBatch } from "../../bin/daemon/forwarder.ts";

test("the queue holds at most maxQueueBytes: the oldest documents go, the newest are sent", async () => {
  const sent: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const send: SendBatch = async (docs) => {
    sent.push(...docs);
    await gate;
    return {};
  };
  const logs: string[] = [];
  const budget = 10_000;
  const f = new Forwarder({ region: "us-east-1", maxQueueBytes: budget, intervalMs: 0 }, send, (l) => logs.push(l));
  const pushed = Array.from({ length: 100 }, (_, i) => `d${String(i).padStart(3, "0")}${"x".repeat(996)}`);
  for (const doc of pushed) {
    f.push(doc);
    assert.ok(f.stats().heldBytes <= budget, `${f.stats().heldBytes} bytes held`);
  }
  release();
  await f.drain(5000);
  const s = f.stats();
  assert.ok(s.droppedQueueFull > 0);
  assert.is(s.forwarded + s.droppedQueueFull, 100);
  assert.is(sent.length, s.forwarded);
  // The first went out at once; the rest sent are the newest, in order.
  assert.is(sent[0], pushed[0]);
  assert.equal(sent.slice(1), pushed.slice(100 - (sent.length - 1)));
  assert.is(logs.filter((l) => l.includes("queue full")).length, 1);
});

test("a request without an answer is aborted after requestTimeoutMs, retried, then counted as failed", async () => {
  const signals: AbortSignal[] = [];
  const send: SendBatch = (_docs, signal) => {
    signals.push(signal);
    return new Promise(() => {}); // never settles, whatever the signal says
  };
  const logs: string[] = [];
  const f = new Forwarder({ region: "us-east-1", requestTimeoutMs: 30, maxAttempts: 3, retryBaseMs: 1 }, send, (l) => logs.push(l));
  f.push("doc");
  await f.drain(10_000);
  assert.is(signals.length, 3);
  assert.ok(signals.every((s) => s.aborted));
  const s = f.stats();
  assert.equal([s.timeouts, s.retries, s.failed, s.forwarded], [3, 2, 1, 0]);
  assert.match(logs.at(-1) ?? "", /giving up on 1 documents after 3 attempts: TimeoutError: no answer within 30 ms/);
});

test("an answer within the time limit is not a timeout", async () => {
  let calls = 0;
  const send: SendBatch = async () => {
    calls++;
    return { UnprocessedTraceSegments: [] };
  };
  const f = new Forwarder({ region: "us-east-1", requestTimeoutMs: 60_000, intervalMs: 0 }, send, () => {});
  f.push("doc");
  await f.drain(5000);
  assert.equal([calls, f.stats().forwarded, f.stats().timeouts], [1, 1, 0]);
});

test.run();
