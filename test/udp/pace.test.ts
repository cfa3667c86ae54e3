/**
 * The pacing (adapters/udp/pace.ts) over a recording link, with a clock of the test's: a datagram
 * under the budget is written during send, itself (no copy) and without a timer; a burst past the
 * budget is written in order as the modelled buffer drains, from copies; the queue is bounded in
 * bytes, its overflow counted failed and said once; flush() waits for the queue; close() fails it.
 * Expected figures are the kernel's, as measured (pace.ts): budget 66,560 bytes; a 12,000-byte
 * datagram is charged 16,704, so 3 fit (50,112); the drain is 32,000 payload bytes a millisecond.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Accounting } from "../../adapters/udp/accounting.ts";
import { pace } from "../../adapters/udp/pace.ts";

function setup(limits = { datagrams: 2048, bytes: 4 * 1024 * 1024 }) {
  const messages: string[] = [];
  const accounting = new Accounting({ warn: (m: string) => void messages.push(m) }, "127.0.0.1:2000");
  const written: Uint8Array[] = [];
  let clock = 1000;
  const link = pace(
    {
      write(d) {
        written.push(d);
        accounting.sent(d.length);
      },
      close() {},
    },
    accounting,
    limits,
    () => clock,
  );
  return { accounting, written, messages, link, advance: (ms: number) => void (clock += ms) };
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Moves the test's clock on, 1 s at a time, until `condition` holds (the pacer's timer reads it). */
async function drainUntil(advance: (ms: number) => void, condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    advance(1000);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Counts the timers started while `f` runs. */
function timersDuring(f: () => void): number {
  const original = globalThis.setTimeout;
  let n = 0;
  globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
    n++;
    return original(...args);
  }) as typeof setTimeout;
  try {
    f();
  } finally {
    globalThis.setTimeout = original;
  }
  return n;
}

const burst = (count: number, size = 12_000) => Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i + 1));

test("a small trace: each datagram written during send, the view itself, no timer", () => {
  const { link, written, accounting } = setup();
  const trace = burst(4, 1000);
  const timers = timersDuring(() => {
    for (const d of trace) link.write(d);
  });
  assert.is(timers, 0);
  assert.is(written.length, 4);
  assert.ok(
    trace.every((d, i) => written[i] === d),
    "not copied",
  );
  assert.is(accounting.stats.sent, 4);
});

test("a burst past the budget: 3 written at once, the rest in order as the buffer drains, from copies", async () => {
  const { link, written, accounting, advance } = setup();
  const datagrams = burst(20);
  for (const d of datagrams) link.write(d);
  assert.is(written.length, 3, "what fits in 66,560 bytes as the kernel charges them");
  for (const d of datagrams) d.fill(0); // the views are only valid during send
  link.flushing(); // as the emitter's flush() does: the timer is referenced until the queue is out
  const done = accounting.flush();
  let flushed = false;
  void done.then(() => (flushed = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.is(written.length, 3, "nothing drained: the test's clock has not moved");
  assert.not.ok(flushed, "flush() waits for the queue");
  advance(12_000 / 32_000); // 12,000 payload bytes drained: room for one more
  await until(() => written.length === 4, "one more");
  await drainUntil(advance, () => written.length === 20, "all 20");
  await done;
  assert.equal(
    written.slice(3).map((d) => d[0]),
    [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
    "in order, the bytes as handed over",
  );
  assert.is(accounting.stats.sent, 20);
});

test("the queue is bounded in bytes: the overflow is failed and said once", async () => {
  const { link, written, accounting, messages, advance } = setup({ datagrams: 2048, bytes: 50_000 });
  for (const d of burst(20)) link.write(d);
  assert.is(written.length, 3);
  assert.is(accounting.stats.failed, 13, "4 of 12,000 bytes wait (48,000), 13 do not fit");
  assert.is(messages.length, 1, messages.join("\n"));
  assert.match(messages[0]!, /queue pacing a burst .* is full/);
  link.flushing();
  const done = accounting.flush();
  await drainUntil(advance, () => written.length === 7, "the 4 queued");
  await done;
  assert.equal([written.length, accounting.stats.sent, accounting.stats.failed], [7, 7, 13]);
});

test("close(): the queued datagrams are counted failed and flush() resolves", async () => {
  const { link, written, accounting } = setup();
  for (const d of burst(20)) link.write(d);
  const done = accounting.flush();
  link.close();
  await done;
  assert.equal([written.length, accounting.stats.sent, accounting.stats.failed], [3, 3, 17]);
});

test("behind a queued datagram, the next waits its turn even once the budget has drained: one timer", () => {
  const { link, written, advance } = setup();
  for (const d of burst(3)) link.write(d);
  assert.is(written.length, 3);
  const queued = timersDuring(() => link.write(new Uint8Array(12_000)));
  assert.equal([written.length, queued], [3, 1], "the fourth waits, for a timer");
  advance((4 * 12_000) / 32_000); // all 48,000 payload bytes read
  const timers = timersDuring(() => link.write(new Uint8Array(12_000)));
  assert.equal([written.length, timers], [3, 0], "behind the one queued: order is kept, no second timer");
});

test.run();
