/**
 * armDeadline's one timer for every invocation of the thread: an invocation armed later with a
 * nearer deadline still fires on time, a disarmed one never fires, and a fire that throws stops
 * no other.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { armDeadline } from "../../adapters/lambda/deadline.ts";

const context = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

/** Resolves with `label` when called; rejects when `limitMs` passes first (the failure's guard). */
function firing(label: string, limitMs = 5000): { fire: () => void; fired: Promise<string> } {
  let fire!: () => void;
  const fired = new Promise<string>((ok, no) => {
    const guard = setTimeout(() => no(new Error(`${label} did not fire within ${limitMs} ms`)), limitMs);
    fire = () => {
      clearTimeout(guard);
      ok(label);
    };
  });
  return { fire, fired };
}

test("a deadline armed after a later one fires at its own time, not the earlier timer's", async () => {
  let lateFired = 0;
  const disarmLate = armDeadline(context(30_000), 0, () => lateFired++);
  const near = firing("near");
  const t0 = performance.now();
  armDeadline(context(40), 0, near.fire);
  assert.is(await near.fired, "near");
  assert.ok(performance.now() - t0 >= 39, "not before its delay");
  disarmLate();
  assert.is(lateFired, 0);
});

test("a disarmed deadline never fires; one armed after it does", async () => {
  const order: string[] = [];
  const disarm = armDeadline(context(20), 0, () => order.push("disarmed"));
  disarm();
  const after = firing("after");
  armDeadline(context(60), 0, () => {
    order.push("after");
    after.fire();
  });
  await after.fired;
  assert.equal(order, ["after"], "the disarmed one, due first, did not fire");
});

test("a fire that throws stops neither the others due with it nor the next", async () => {
  const second = firing("second");
  const third = firing("third");
  armDeadline(context(30), 0, () => {
    throw new Error("fire failed");
  });
  armDeadline(context(30), 0, second.fire);
  armDeadline(context(80), 0, third.fire);
  assert.is(await second.fired, "second");
  assert.is(await third.fired, "third");
});

test("no deadline, or one past setTimeout's range: nothing armed, and disarming is harmless", () => {
  let fired = 0;
  armDeadline({}, 0, () => fired++)();
  armDeadline(context(2 ** 31 + 10_000), 0, () => fired++)();
  assert.is(fired, 0);
});

test.run();
