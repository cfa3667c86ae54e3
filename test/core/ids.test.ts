import { test } from "uvu";
import * as assert from "uvu/assert";
import { newSegmentId, newTraceId, createXRay } from "../../core/index.ts";

test("segment IDs: 16 lower-case hex digits, not all zero, unique over 20,000", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) {
    const id = newSegmentId();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.is.not(id, "0000000000000000");
    seen.add(id);
  }
  assert.is(seen.size, 20000);
});

test("trace IDs: the current epoch second, then 24 random hex digits", () => {
  const before = Math.floor(Date.now() / 1000);
  const id = newTraceId();
  const after = Math.floor(Date.now() / 1000);
  assert.match(id, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  const secs = parseInt(id.slice(2, 10), 16);
  assert.ok(secs >= before && secs <= after, `${secs} within [${before}, ${after}]`);
});

test("randomness comes from crypto.getRandomValues in 64 KiB refills, never Math.random", () => {
  const random = Math.random;
  const original = crypto.getRandomValues.bind(crypto);
  let calls = 0,
    bytes = 0;
  Math.random = () => {
    throw new Error("Math.random used");
  };
  (crypto as { getRandomValues: unknown }).getRandomValues = (a: Uint8Array<ArrayBuffer>) => {
    calls++;
    bytes += a.length;
    return original(a);
  };
  try {
    const x = createXRay();
    for (let i = 0; i < 8193; i++) x.newSegmentId();
    assert.is(calls, 2, "8,193 IDs of 8 bytes drain one 64 KiB pool and start a second");
    assert.is(bytes, 131072);
  } finally {
    Math.random = random;
    (crypto as { getRandomValues: unknown }).getRandomValues = original;
  }
});

test.run();
