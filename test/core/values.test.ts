import { test } from "uvu";
import * as assert from "uvu/assert";
import { setup, SAMPLED } from "./helpers.ts";

function one(record: (s: ReturnType<ReturnType<typeof setup>["tracer"]["beginSegment"]>) => void) {
  const ctx = setup();
  const s = ctx.tracer.beginSegment("s", { traceHeader: SAMPLED });
  record(s);
  s.close();
  return { doc: ctx.emitter.documents()[0]!, ...ctx };
}

test("annotations: at most 50 keys; replacing a key is still allowed at 50", () => {
  const { doc, logger, tracer } = one((s) => {
    for (let i = 0; i < 51; i++) s.addAnnotation(`k${i}`, i);
    s.addAnnotation("k0", "replaced");
  });
  assert.is(Object.keys(doc.annotations).length, 50);
  assert.is(doc.annotations.k0, "replaced");
  assert.is(doc.annotations.k50, undefined);
  assert.ok(logger.messages.some((m) => m.includes("50 annotations at most")));
  assert.is(tracer.stats().refused, 1);
});

test("annotations: keys cut to 500 characters, string values to 1000", () => {
  const { doc } = one((s) => s.addAnnotation("k".repeat(600), "v".repeat(1500)));
  assert.equal(Object.keys(doc.annotations), ["k".repeat(500)]);
  assert.is(doc.annotations["k".repeat(500)], "v".repeat(1000));
});

test("annotations: a value cut inside a surrogate pair ends on a whole character", () => {
  const { doc } = one((s) => s.addAnnotation("k", "a" + "😀".repeat(1200)));
  assert.is(doc.annotations.k, "a" + "😀".repeat(999));
});

test("annotations: non-finite numbers, objects, null, BigInt and empty keys are refused", () => {
  const { doc, tracer } = one((s) => {
    s.addAnnotation("nan", NaN);
    s.addAnnotation("inf", Infinity);
    s.addAnnotation("obj", {} as never);
    s.addAnnotation("nul", null as never);
    s.addAnnotation("big", 10n as never);
    s.addAnnotation("", "x");
    s.addAnnotation("ok", -0);
  });
  assert.equal(doc.annotations, { ok: 0 });
  assert.is(tracer.stats().refused, 6);
});

test("metadata: BigInt, cycles, shared references, undefined, throwing getters", () => {
  const shared = { v: 1 };
  const cyclic: Record<string, unknown> = { name: "c" };
  cyclic.self = cyclic;
  const { doc } = one((s) => {
    s.addMetadata("big", { n: 12345678901234567890n });
    s.addMetadata("cycle", cyclic);
    s.addMetadata("shared", { a: shared, b: shared, big: 1n });
    s.addMetadata("undef", undefined);
    s.addMetadata("fn", () => 1);
    s.addMetadata("getter", {
      get bad() {
        throw new Error("nope");
      },
    });
  });
  assert.equal(doc.metadata.default.big, { n: "12345678901234567890" });
  assert.equal(doc.metadata.default.cycle, { name: "c", self: "[Circular]" });
  assert.equal(doc.metadata.default.shared, { a: { v: 1 }, b: { v: 1 }, big: "1" });
  assert.is(doc.metadata.default.undef, null);
  assert.is(doc.metadata.default.fn, null);
  assert.is(doc.metadata.default.getter, "[unserializable: nope]");
});

test("metadata: AWS. namespaces are refused", () => {
  const { doc, logger } = one((s) => {
    s.addMetadata("k", 1, "AWS.Lambda");
    s.addMetadata("k", 2, "mine");
  });
  assert.equal(doc.metadata, { mine: { k: 2 } });
  assert.ok(logger.messages.some((m) => m.includes('"AWS." is reserved')));
});

test("errors: non-Error values, long messages, deep stacks, cyclic causes", () => {
  const deep = new Error("m".repeat(5000));
  deep.stack = "Error: x\n" + Array.from({ length: 40 }, (_, i) => `    at f${i} (/a/b.js:${i + 1}:1)`).join("\n");
  const loop = new Error("loop") as Error & { cause?: unknown };
  loop.cause = loop;
  const { doc } = one((s) => {
    s.addError("a string");
    s.addError(null);
    s.addError({ message: "plain object", code: 7 });
    s.addError(deep);
    s.addError(loop);
  });
  const ex = doc.cause.exceptions as Record<string, any>[];
  assert.equal(
    ex.slice(0, 3).map((e) => [e.type, e.message]),
    [
      ["string", "a string"],
      ["null", "null"],
      ["Object", "plain object"],
    ],
  );
  assert.is(ex[3]!.message.length, 2048);
  assert.is(ex[3]!.stack.length, 32);
  assert.is(ex[3]!.truncated, 8);
  assert.equal(ex[3]!.stack[0], { path: "/a/b.js", line: 1, label: "f0" });
  assert.is(ex.length, 5, "a cause that is the error itself is not followed");
  assert.is(doc.fault, true);
  for (const e of ex) assert.match(e.id, /^[0-9a-f]{16}$/);
});

test.run();
