/**
 * The propagation rule (README "Trace headers"): what formatTraceHeader and every entity's
 * traceHeader write is visible ASCII and space, within budget. Each hostile character class in
 * an extra's key or value, or in a Lineage, drops that field and only that field.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { formatTraceHeader, parseTraceHeader, type TraceHeader } from "../../adapters/host/index.ts";
import { propagatable } from "../../core/header.ts";
import { HOSTILE, MAX_PROPAGATED, VISIBLE_ASCII, hostileFields, hostileText, lineage } from "./chars.ts";
import { PARENT, ROOT, setup } from "./helpers.ts";

const BASE = `Root=${ROOT};Parent=${PARENT};Sampled=1`;
const header = (extra: Record<string, string>, more: Partial<TraceHeader> = {}): TraceHeader => ({
  root: ROOT,
  parent: PARENT,
  sampled: true,
  extra,
  ...more,
});

for (const [name, chars] of Object.entries(HOSTILE)) {
  test(`${name}: an extra with it in its value or key is dropped, its neighbours kept`, () => {
    for (const c of chars) {
      assert.is(formatTraceHeader(header({ A: "1", B: `x${c}y`, C: "3" })), `${BASE};A=1;C=3`, JSON.stringify(c));
      assert.is(formatTraceHeader(header({ A: "1", [`k${c}`]: "2", C: "3" })), `${BASE};A=1;C=3`, JSON.stringify(c));
      assert.is(formatTraceHeader(header({ A: c })), BASE, JSON.stringify(c));
    }
  });

  test(`${name}: a Lineage with it is dropped`, () => {
    for (const c of chars) {
      assert.is(formatTraceHeader(header({ A: "1" }, { lineage: `1:a87bd80c:0${c}` })), `${BASE};A=1`, JSON.stringify(c));
      assert.is(formatTraceHeader(header({}, { lineage: `a87bd80c:1|${c}` })), BASE, JSON.stringify(c));
    }
  });

  test(`${name}: parsed, kept in extra; not in any entity's traceHeader`, () => {
    const { tracer } = setup();
    for (const c of chars) {
      const parsed = parseTraceHeader(`${BASE};A=1;B=x${c}y;Lineage=1:a87bd80c${c}:0`)!;
      assert.is(parsed.extra.A, "1");
      assert.ok("B" in parsed.extra, "the parser still reads it (parsing is unchanged)");
      const segment = tracer.beginSegment("s", { traceHeader: `${BASE};A=1;B=x${c}y;Lineage=1:a87bd80c${c}:0` });
      const sub = segment.beginSubsegment("sub");
      assert.is(segment.traceHeader, `Root=${ROOT};Parent=${segment.id};Sampled=1;A=1`, JSON.stringify(c));
      assert.is(sub.traceHeader, `Root=${ROOT};Parent=${sub.id};Sampled=1;A=1`, JSON.stringify(c));
      sub.close();
      segment.close();
    }
  });
}

test("propagatable (a header sent as it is): visible ASCII and space, 1 to 595 characters", () => {
  for (const [name, chars] of Object.entries(HOSTILE))
    for (const c of chars) assert.is(propagatable(`${BASE};A=x${c}`), false, `${name} ${JSON.stringify(c)}`);
  assert.ok(propagatable(`${BASE};A=x y`));
  const at595 = `${BASE};A=${"x".repeat(595 - BASE.length - 3)}`;
  assert.is(at595.length, 595);
  assert.ok(propagatable(at595));
  assert.is(propagatable(`${at595}x`), false);
  for (const v of ["", undefined, null, 42, {}]) assert.is(propagatable(v), false, String(v));
});

test("Lineage: AWS's two forms are kept, anything else is dropped", () => {
  const kept = ["1:a87bd80c:0", "0:00000000:0", "32767:FFFFFFFF:255", "a87bd80c:1", "a87bd80c:1|68fd508a:5|c512fbe3:2"];
  for (const l of kept) assert.is(formatTraceHeader(header({}, { lineage: l })), `${BASE};Lineage=${l}`, l);
  // 16 entries with 5-digit counters: 239 characters, within the 256 budget
  const sixteen = Array.from({ length: 16 }, (_, i) => `${i.toString(16).padStart(8, "0")}:99999`).join("|");
  assert.is(sixteen.length, 239);
  assert.is(formatTraceHeader(header({}, { lineage: sixteen })), `${BASE};Lineage=${sixteen}`);
  const dropped = [
    "",
    " ",
    "32768:a87bd80c:0",
    "1:a87bd80c:256",
    "123456:a87bd80c:0",
    "1:a87bd80:0",
    "1:a87bd80cc:0",
    "1:a87bd80g:0",
    "1:a87bd80c",
    "a87bd80c",
    "a87bd80c:",
    "a87bd80c:1|",
    "a87bd80c:123456",
    "a87bd80c:1,68fd508a:5",
    "1:a87bd80c:0;Sampled=0",
    "a87bd80c:1|".repeat(23) + "a87bd80c:1", // 263 characters: over budget
    "a87bd80c:1|".repeat(640) + "a87bd80c:1", // 7 KB
  ];
  for (const l of dropped) assert.is(formatTraceHeader(header({ A: "1" }, { lineage: l })), `${BASE};A=1`, l.slice(0, 40));
});

test("extras: keys that would read back as another field, or not at all, are dropped", () => {
  const extra = {
    "a;b": "1",
    "a=b": "2",
    Root: "x",
    " parent ": "y",
    SAMPLED: "0",
    self: "z",
    Lineage: "1:a87bd80c:0",
    "": "e",
    "  ": "s",
    Ok: "1",
  };
  assert.is(formatTraceHeader(header(extra)), `${BASE};Ok=1`);
  assert.is(formatTraceHeader(header({ A: "x;Sampled=0", B: "a=b", "Sam pled": "1" })), `${BASE};B=a=b;Sam pled=1`);
  assert.is(formatTraceHeader(header({ A: 1, B: null, C: "3" } as never)), `${BASE};C=3`, "values that are not strings");
  assert.is(formatTraceHeader(header({ " A ": " 1 ", "\xa0B": "2" })), `${BASE};A=1`, "trimmed; a non-ASCII space is not a space");
});

test("extras of a hand-built header keep the 256-byte budget: the first that does not fit ends the list", () => {
  const a = "a".repeat(200); // ;A= + 200 = 203 bytes
  assert.is(formatTraceHeader(header({ A: a, B: "b".repeat(50), C: "c" })), `${BASE};A=${a};B=${"b".repeat(50)}`);
  assert.is(formatTraceHeader(header({ A: a, B: "b".repeat(51), C: "c" })), `${BASE};A=${a}`);
});

test("Root, Parent and Sampled of a hand-built header: invalid Root gives '', invalid others are left out", () => {
  for (const root of [`${ROOT}\r\nX-Evil: 1`, "", "1-bad", `${ROOT} `, 42])
    assert.is(formatTraceHeader({ root, extra: { A: "1" } } as never), "", String(root));
  assert.is(formatTraceHeader(null as never), "");
  assert.is(formatTraceHeader({ root: ROOT.toUpperCase(), parent: PARENT.toUpperCase(), extra: {} }), `Root=${ROOT};Parent=${PARENT}`);
  for (const parent of [`${PARENT}\n`, "0000000000000000", "53995c3f42cd8ad", 7])
    assert.is(formatTraceHeader({ root: ROOT, parent, sampled: false, extra: {} } as never), `Root=${ROOT};Sampled=0`, String(parent));
  for (const sampled of ["1\r\n", 1, "yes", null])
    assert.is(formatTraceHeader({ root: ROOT, sampled, extra: {} } as never), `Root=${ROOT}`, String(sampled));
  assert.is(formatTraceHeader({ root: ROOT, self: "x\r\ny", extra: "A=1" } as never), `Root=${ROOT}`, "Self never; extra not an object");
});

test("an object header to beginSegment goes through the same rule", () => {
  const { tracer } = setup();
  const segment = tracer.beginSegment("s", { traceHeader: header({ A: "1", "B\n": "2", C: "\u2028" }, { lineage: "x\r\n" }) });
  assert.is(segment.traceHeader, `Root=${ROOT};Parent=${segment.id};Sampled=1;A=1`);
  segment.close();
});

test("any header, any hand-built header: visible ASCII within budget, read back as the same fields", () => {
  const { tracer } = setup();
  fc.assert(
    fc.property(hostileFields, fc.constantFrom("1", "0", "?", ""), (fields, sampled) => {
      const text = `Root=${ROOT};Parent=${PARENT}${sampled ? `;Sampled=${sampled}` : ""}${fields}`;
      const segment = tracer.beginSegment("s", { traceHeader: text });
      const sub = segment.beginSubsegment("sub");
      for (const written of [segment.traceHeader, sub.traceHeader, formatTraceHeader(parseTraceHeader(text)!)]) {
        assert.match(written, VISIBLE_ASCII);
        assert.ok(written.length <= MAX_PROPAGATED, `${written.length} characters`);
        const back = parseTraceHeader(written)!;
        assert.is(back.root, ROOT, "no field overrides the Root");
        assert.is(formatTraceHeader(back), written, "read back, the same header");
      }
      sub.close();
      segment.close();
    }),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(
      fc.record({
        root: fc.constantFrom(ROOT, `${ROOT}\n`, "1-x"),
        parent: fc.option(fc.oneof(fc.constant(PARENT), hostileText()), { nil: undefined }),
        lineage: fc.option(lineage, { nil: undefined }),
        self: fc.option(hostileText(), { nil: undefined }),
        extra: fc.dictionary(hostileText(12), hostileText(60), { maxKeys: 10 }),
      }),
      (h) => {
        const written = formatTraceHeader(h);
        if (h.root !== ROOT) return assert.is(written, "");
        assert.match(written, VISIBLE_ASCII);
        assert.ok(written.length <= MAX_PROPAGATED, `${written.length} characters`);
        assert.is(parseTraceHeader(written)!.root, ROOT);
      },
    ),
    { numRuns: 1000 },
  );
});

test.run();
