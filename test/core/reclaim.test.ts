/**
 * core/reclaim.ts: a handle closed in the task that began it is never registered for reclaiming;
 * one still open when the task ends is, and its close unregisters it; what waits is bounded; with
 * no timers, handles are registered at once. (That a registered handle collected unclosed is
 * reclaimed is test/core/bounds.test.ts's.)
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MAX_FRESH, Reclaimer } from "../../core/reclaim.ts";
import type { Reclaimed, Tracked } from "../../core/xray.ts";

/** A registry that only counts, keyed by the handle's token. */
function countingRegistry() {
  const registered = new Set<object>();
  let unregistered = 0;
  const registry = {
    register(_target: object, _held: Reclaimed, token?: object) {
      registered.add(token!);
    },
    unregister(token: object) {
      if (!registered.delete(token)) return false;
      unregistered++;
      return true;
    },
  } as unknown as FinalizationRegistry<Reclaimed>;
  return { registry, registered, unregistered: () => unregistered };
}

const held = (slot: number): Tracked => ({ counters: { abandoned: 0 }, slot, gen: 1, warn: () => {} });

/** Waits for the reclaimer's timer (a condition, not a sleep), failing after 5 s. */
async function settled(r: Reclaimer): Promise<void> {
  const deadline = Date.now() + 5000;
  while (r.waiting > 0) {
    if (Date.now() > deadline) throw new Error("the reclaimer's timer never fired");
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

test("a handle closed in the task that began it is never registered", async () => {
  const c = countingRegistry();
  const r = new Reclaimer(c.registry);
  for (let i = 0; i < 100; i++) {
    const handle = {};
    r.track(handle, held(i));
    r.untrack(handle);
  }
  assert.is(r.waiting, 0);
  await new Promise((resolve) => setTimeout(resolve, 5));
  assert.is(c.registered.size, 0, "none registered");
  assert.is(c.unregistered(), 0, "none unregistered");
});

test("a handle still open when its task ends is registered then, and its close unregisters it", async () => {
  const c = countingRegistry();
  const r = new Reclaimer(c.registry);
  const open = {};
  const closed = {};
  r.track(open, held(1));
  r.track(closed, held(2));
  r.untrack(closed);
  assert.is(c.registered.size, 0, "not yet: the task has not ended");
  await settled(r);
  assert.equal([...c.registered], [open], "the open one only");
  r.untrack(open);
  assert.is(c.unregistered(), 1);
  assert.is(c.registered.size, 0);
});

test(`at most ${MAX_FRESH} handles wait: the next registers them all at once`, () => {
  const c = countingRegistry();
  const r = new Reclaimer(c.registry);
  const handles = Array.from({ length: MAX_FRESH }, () => ({}));
  for (const [i, h] of handles.entries()) r.track(h, held(i));
  assert.is(c.registered.size, MAX_FRESH, "registered synchronously");
  assert.is(r.waiting, 0);
  for (const h of handles) r.untrack(h);
  assert.is(c.unregistered(), MAX_FRESH);
});

test("where setTimeout throws (no timers now), a handle is registered at once", () => {
  const c = countingRegistry();
  const r = new Reclaimer(c.registry);
  const original = globalThis.setTimeout;
  globalThis.setTimeout = (() => {
    throw new Error("timers are not allowed here");
  }) as unknown as typeof setTimeout;
  try {
    const handle = {};
    r.track(handle, held(1));
    assert.equal([...c.registered], [handle]);
  } finally {
    globalThis.setTimeout = original;
  }
});

test.run();
