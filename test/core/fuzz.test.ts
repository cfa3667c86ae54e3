import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as S from "../../core/assembly/shared.ts";
import { embeddedModule } from "../../core/wasm.ts";
import { validateDatagram } from "../../core/validate.ts";

// Principle 4 of the core: no input makes it trap. This test drives the raw wasm exports (the
// only code besides core/abi.ts that does: it tests the wasm's own totality) with arbitrary
// integers (negative, huge, stale handles), arbitrary floats and arbitrary bytes in its input.

type Raw = Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };

function rawCore(): Raw {
  let memory: WebAssembly.Memory | undefined;
  const instance = new WebAssembly.Instance(embeddedModule(), {
    env: {
      entropy: (ptr: number, len: number) => crypto.getRandomValues(new Uint8Array(memory!.buffer, ptr, len)),
      abort: () => {
        throw new Error("the core aborted");
      },
    },
  });
  const raw = instance.exports as unknown as Raw;
  memory = raw.memory;
  return raw;
}

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
  fc.tuple(fc.constant("segAbandon"), int, int),
  fc.tuple(fc.constant("segAnnotate"), int, int, int, int, int),
  fc.tuple(fc.constant("segMetadata"), int, int, int, int, int),
  fc.tuple(fc.constant("segMember"), int, int, int, int),
  fc.tuple(fc.constant("segException"), int, int, int, int),
  fc.tuple(fc.constant("segFlags"), int, int, int),
  fc.tuple(fc.constant("emitNext"), int),
  fc.tuple(fc.constant("parseHeader"), int),
  fc.tuple(fc.constant("samplerCreate")),
  fc.tuple(fc.constant("samplerFree"), int),
  fc.tuple(fc.constant("samplerAddRule"), int, int, num),
  fc.tuple(fc.constant("samplerDecide"), int, num),
  fc.tuple(fc.constant("setMaxEntities"), int),
  fc.tuple(fc.constant("newTraceId"), num),
);

/**
 * Every datagram of every emission still waiting, as text: each within the datagram limit and
 * headed for the daemon; with `json`, each a document (only where every argument was valid: raw
 * members and metadata are the host's JSON, and arbitrary bytes there are not JSON).
 */
function drain(raw: Raw, json = true): string[] {
  const out: string[] = [];
  for (let e = 0; e < S.MAX_EMISSIONS; e++) {
    for (let len = raw.emitNext!(e); len !== 0; len = raw.emitNext!(e)) {
      if (len < 0) continue;
      const ptr = new Int32Array(raw.memory.buffer)[(raw.resultPtr!() >> 2) + S.R_EMIT_PTR]!;
      const bytes = new Uint8Array(raw.memory.buffer, ptr, len).slice();
      const check = validateDatagram(bytes);
      assert.ok(check.headerOk, "daemon header");
      assert.ok(bytes.length <= S.MAX_DATAGRAM_BYTES, `datagram of ${bytes.length} bytes`);
      if (json) assert.ok(check.document !== undefined, `a datagram that is not JSON: ${new TextDecoder().decode(bytes).slice(0, 200)}`);
      out.push(new TextDecoder().decode(bytes));
    }
  }
  return out;
}

test("no sequence of calls with any arguments and any input bytes traps the core", () => {
  const raw = rawCore();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), fc.array(op, { maxLength: 40 }), (bytes, ops) => {
      raw.setMaxEntities!(S.DEFAULT_MAX_ENTITIES);
      for (const [name, ...args] of ops) {
        new Uint8Array(raw.memory.buffer).set(bytes, raw.inputPtr!());
        const result = raw[name]!(...(args as number[]));
        if (name === "segBegin" || name === "segBeginHeader") assert.ok(result >= S.E_CAP, `${name} answered ${result}`);
      }
      drain(raw, false);
      assert.ok(raw.liveNodes!() >= 0 && raw.liveNodes!() <= S.DEFAULT_MAX_ENTITIES);
    }),
    { numRuns: 1000 },
  );
});

test("handles with the right generation: random operations on real segments make only valid datagrams, and free every node", () => {
  const raw = rawCore();
  const slots = () => new Int32Array(raw.memory.buffer);
  const result = raw.resultPtr!() >> 2;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(8), fc.uint8Array({ maxLength: 300 }), int, int), { maxLength: 60 }), (steps) => {
      const before = raw.liveNodes!();
      const live: [number, number][] = [];
      for (const [kind, bytes, a, b] of steps) {
        new Uint8Array(raw.memory.buffer).set(bytes, raw.inputPtr!());
        const h = live[Math.abs(a) % Math.max(live.length, 1)];
        if (kind === 0 || !h) {
          // Names only: the bytes are any bytes, the flags only the namespace ones.
          const slot = raw.segBegin!(h ? h[0] : -1, h ? h[1] : 0, b & 0xfff, 1700000000 + (a & 0xffff), b & S.F_NS_MASK);
          if (slot >= 0) {
            const handle: [number, number] = [slot, slots()[result + S.R_BEGIN_GEN]!];
            live.push(handle);
          }
        } else if (kind === 1) raw.segEnd!(h[0], h[1], 1700000001);
        else if (kind === 2) raw.segAnnotate!(h[0], h[1], bytes.length >> 1, bytes.length >> 1, b & 3);
        else if (kind === 3) raw.segMetadata!(h[0], h[1], bytes.length, 0, 0);
        else if (kind === 4) raw.segMember!(h[0], h[1], (b & 7) + 1, bytes.length);
        else if (kind === 5) raw.segException!(h[0], h[1], bytes.length, 0);
        else if (kind === 6) raw.segFlags!(h[0], h[1], b);
        else if (kind === 7) for (let e = 0; e < S.MAX_EMISSIONS; e++) while (raw.emitNext!(e) !== 0);
        else raw.segAbandon!(h[0], h[1]);
      }
      // Members, metadata and exceptions take raw JSON from the host: bytes that are not JSON
      // make documents that are not JSON, which the drain's check would fail on. So they are
      // only driven here for totality; what must hold is that everything ends freed.
      for (const [slot, gen] of live.reverse()) raw.segEnd!(slot, gen, 1700000002);
      for (let e = 0; e < S.MAX_EMISSIONS; e++) while (raw.emitNext!(e) !== 0);
      assert.is(raw.liveNodes!(), before, "every node freed once every root closed and every emission drained");
    }),
    { numRuns: 300 },
  );
});

test("documents from valid arguments are valid: names, annotations and flags of any bytes", () => {
  const raw = rawCore();
  const slots = () => new Int32Array(raw.memory.buffer);
  const result = raw.resultPtr!() >> 2;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(3), fc.uint8Array({ maxLength: 300 }), fc.nat()), { maxLength: 40 }), (steps) => {
      const u8 = () => new Uint8Array(raw.memory.buffer);
      const root = raw.segBegin!(-1, 0, 0, 1700000000, 0);
      const handles: [number, number][] = [[root, slots()[result + S.R_BEGIN_GEN]!]];
      for (const [kind, bytes, pick] of steps) {
        const h = handles[pick % handles.length]!;
        if (kind === 0) {
          // ASCII: the host removes non-ASCII characters X-Ray does not allow (core/names.ts).
          u8().set(
            bytes.map((c) => c & 0x7f),
            raw.inputPtr!() + S.BEGIN_NAME_AT,
          );
          const slot = raw.segBegin!(h[0], h[1], bytes.length, 1700000000.5, 0);
          if (slot >= 0) handles.push([slot, slots()[result + S.R_BEGIN_GEN]!]);
        } else if (kind === 1) {
          u8().set(bytes, raw.inputPtr!());
          raw.segAnnotate!(h[0], h[1], Math.max(1, bytes.length >> 1), bytes.length >> 1, S.A_STRING);
        } else if (kind === 2) raw.segFlags!(h[0], h[1], pick);
        else raw.segEnd!(h[0], h[1], 1700000001);
      }
      for (const [slot, gen] of handles.reverse()) raw.segEnd!(slot, gen, 1700000002);
      const texts = drain(raw);
      assert.ok(texts.length >= 1, "the root's document was sent");
      for (const t of texts) assert.equal(validateDatagram(new TextEncoder().encode(t)).violations, []);
      assert.is(raw.liveNodes!(), 0);
    }),
    { numRuns: 300 },
  );
});

test.run();
