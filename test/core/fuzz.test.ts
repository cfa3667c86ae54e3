import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { createXRay } from "../../core/index.ts";
import type { CoreExports } from "../../core/abi.ts";

// Principle 4 of the core: no input makes it trap. Every export is driven here with arbitrary
// integers (negative, huge, stale handles), arbitrary floats and arbitrary bytes in its input.
const int = fc.oneof(
  fc.integer({ min: -3, max: 300 }),
  fc.integer(),
  fc.constantFrom(-1, 0, 1, 35, 64, 4096, 65535, 65536, 131072, 2 ** 31 - 1),
);
const num = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e300, 1700000000.5));
const op = fc.oneof(
  fc.tuple(fc.constant("segBegin"), int, int, int, num, int),
  fc.tuple(fc.constant("segBeginHeader"), int, int, int, num, int),
  fc.tuple(fc.constant("segEnd"), int, int, num),
  fc.tuple(fc.constant("segAnnotate"), int, int, int, int, int),
  fc.tuple(fc.constant("segMetadata"), int, int, int, int, int),
  fc.tuple(fc.constant("segMember"), int, int, int, int),
  fc.tuple(fc.constant("segException"), int, int, int),
  fc.tuple(fc.constant("segFlags"), int, int, int),
  fc.tuple(fc.constant("parseHeader"), int),
  fc.tuple(fc.constant("samplerAddRule"), int, int, num),
  fc.tuple(fc.constant("samplerDecide"), int, num),
  fc.tuple(fc.constant("setWorkingDirectory"), int),
  fc.tuple(fc.constant("newTraceId"), num),
);

test("no sequence of calls with any arguments and any input bytes traps the core", () => {
  const x = createXRay();
  const core = x.core;
  core.x.samplerCreate();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(op, { maxLength: 40 }), (bytes, ops) => {
      for (const [name, ...args] of ops) {
        core.views().set(bytes, core.input);
        // Small slot numbers so that live handles are hit too, with their real generations.
        const call = core.x[name as keyof CoreExports] as unknown as (...a: number[]) => number;
        call(...(args as number[]));
      }
    }),
    { numRuns: 1000 },
  );
  assert.ok(core.x.liveNodes() >= 0);
});

test("handles with the right generation: random operations on real segments never trap", () => {
  const x = createXRay();
  const core = x.core;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(7), fc.uint8Array({ maxLength: 300 }), int, int), { maxLength: 60 }), (steps) => {
      const live: [number, number][] = [];
      for (const [kind, bytes, a, b] of steps) {
        core.views().set(bytes, core.input);
        const h = live[Math.abs(a) % Math.max(live.length, 1)];
        if (kind === 0 || !h) {
          const slot = core.x.segBegin(h ? h[0] : -1, h ? h[1] : 0, b & 0xfff, 1700000000 + a, b);
          if (slot >= 0) live.push([slot, core.slot(760)]);
        } else if (kind === 1) core.x.segEnd(h[0], h[1], 1700000001);
        else if (kind === 2) core.x.segAnnotate(h[0], h[1], bytes.length >> 1, bytes.length >> 1, b & 3);
        else if (kind === 3) core.x.segMetadata(h[0], h[1], bytes.length, 0, 0);
        else if (kind === 4) core.x.segMember(h[0], h[1], (b & 7) + 1, bytes.length);
        else if (kind === 5) core.x.segException(h[0], h[1], bytes.length);
        else core.x.segFlags(h[0], h[1], b);
      }
      for (const [slot, gen] of live) core.x.segEnd(slot, gen, 1700000002);
    }),
    { numRuns: 300 },
  );
  assert.ok(true);
});

test.run();
