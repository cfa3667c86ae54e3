import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseTraceHeader, formatTraceHeader } from "../../adapters/host/index.ts";
import { MAX_HEADER_LENGTH } from "../../core/header.ts";
import { ROOT } from "./helpers.ts";

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;

test("a header longer than 8192 characters is refused, one of 8192 is parsed", () => {
  const base = `Root=${ROOT};X=`;
  assert.is(parseTraceHeader(base + "a".repeat(MAX_HEADER_LENGTH - base.length))?.root, ROOT);
  assert.is(parseTraceHeader(base + "a".repeat(MAX_HEADER_LENGTH - base.length + 1)), undefined);
});

test("non-string input is undefined, never a throw", () => {
  for (const v of [undefined, null, 42, {}, [], Symbol("x")]) assert.is(parseTraceHeader(v as never), undefined);
});

test("many extras stay within the 256-byte budget", () => {
  const extras = Array.from({ length: 500 }, (_, i) => `k${i}=v`).join(";");
  const h = parseTraceHeader(`Root=${ROOT};${extras}`)!;
  const size = Object.entries(h.extra).reduce((n, [k, v]) => n + k.length + v.length + 2, 0);
  assert.ok(size <= 256, `extras take ${size} bytes`);
  assert.is(h.extra.k0, "v");
});

test("any string: no throw; a result has a valid root; formatting is canonical", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: "binary" }),
        fc
          .array(
            fc.constantFrom(
              "Root=",
              ROOT,
              ";",
              "=",
              "Parent=53995c3f42cd8ad8",
              "Sampled=",
              "1",
              "?",
              " ",
              "é",
              "\ud800",
              "Self=",
              "Lineage=",
            ),
          )
          .map((a) => a.join("")),
      ),
      (s) => {
        const h = parseTraceHeader(s);
        if (h === undefined) return;
        assert.match(h.root, TRACE_ID);
        if (h.parent !== undefined) assert.match(h.parent, /^[0-9a-f]{16}$/);
        const canonical = formatTraceHeader(h);
        assert.is(formatTraceHeader(parseTraceHeader(canonical)!), canonical);
      },
    ),
    { numRuns: 3000 },
  );
});

test.run();
