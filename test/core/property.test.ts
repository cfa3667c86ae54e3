import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { DAEMON_HEADER, MAX_DATAGRAM_BYTES } from "../../adapters/host/index.ts";
import { setup, SAMPLED } from "./helpers.ts";

// Any names, keys, values, metadata and errors: every datagram is the daemon header plus valid
// JSON within the size limit, and the documented rules hold (README "Documents").
// The name rule of AWS's published segment-document schema (java_pattern), 1 to 200 characters.
const NAME = /^[\p{L}\p{Z}\p{N}_.:/%&#=+\-@]{1,200}$/u;
const KEY = /^[A-Za-z0-9_]{1,500}$/;
const ID = /^[0-9a-f]{16}$/;

const anyString = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme", maxLength: 300 }));
const anyValue = fc.oneof(
  anyString,
  fc.double(),
  fc.boolean(),
  fc.bigInt(),
  fc.constant(null),
  fc.constant(undefined),
  fc.object(),
  fc.array(fc.anything()),
);
const step = fc.oneof(
  fc.tuple(fc.constant("sub"), anyString),
  fc.tuple(fc.constant("annotate"), anyString, anyValue),
  fc.tuple(fc.constant("metadata"), anyString, anyValue, fc.option(anyString, { nil: undefined })),
  fc.tuple(fc.constant("error"), anyValue),
  fc.tuple(fc.constant("close")),
);

function checkEntity(e: Record<string, any>, path: string) {
  assert.type(e.name, "string", path);
  assert.ok(NAME.test(e.name) && [...e.name].length <= 200, `${path}.name ${JSON.stringify(e.name)}`);
  assert.match(e.id, ID, `${path}.id`);
  assert.type(e.start_time, "number");
  assert.ok(e.in_progress === true || e.end_time >= e.start_time, `${path} times`);
  if (e.annotations) {
    const keys = Object.keys(e.annotations);
    assert.ok(keys.length <= 50, `${path} has ${keys.length} annotations`);
    for (const k of keys) {
      assert.ok(KEY.test(k), `${path} annotation key ${JSON.stringify(k)}`);
      const v = e.annotations[k];
      assert.ok(
        (typeof v === "string" && [...v].length <= 1000) || (typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean",
        `${path}.annotations.${k}`,
      );
    }
  }
  if (e.metadata) for (const ns of Object.keys(e.metadata)) assert.not.ok(ns.startsWith("AWS."), `${path} reserved namespace ${ns}`);
  for (const ex of e.cause?.exceptions ?? []) assert.match(ex.id, ID);
  for (const [i, s] of ((e.subsegments ?? []) as Record<string, any>[]).entries()) checkEntity(s, `${path}.subsegments[${i}]`);
}

test("any input: valid JSON datagrams within 64 KB that obey the documented rules", () => {
  const { tracer, emitter, x } = setup({ logger: { warn() {} } });
  const decoder = new TextDecoder("utf-8", { fatal: true });
  fc.assert(
    fc.property(anyString, fc.array(step, { maxLength: 25 }), (name, steps) => {
      emitter.clear();
      const segment = tracer.beginSegment(name, { traceHeader: SAMPLED });
      const stack = [
        segment as {
          beginSubsegment: typeof segment.beginSubsegment;
          close(): void;
          addAnnotation: typeof segment.addAnnotation;
          addMetadata: typeof segment.addMetadata;
          addError: typeof segment.addError;
        },
      ];
      for (const [op, a, b, c] of steps) {
        const top = stack[stack.length - 1]!;
        if (op === "sub") stack.push(top.beginSubsegment(a as string));
        else if (op === "annotate") top.addAnnotation(a as string, b as never);
        else if (op === "metadata") top.addMetadata(a as string, b, c as string | undefined);
        else if (op === "error") top.addError(a);
        else if (stack.length > 1) stack.pop()!.close();
      }
      while (stack.length > 1) stack.pop()!.close();
      segment.close();
      assert.ok(emitter.datagrams.length >= 1);
      for (const d of emitter.datagrams) {
        assert.ok(d.length <= MAX_DATAGRAM_BYTES, `datagram of ${d.length} bytes`);
        const text = decoder.decode(d); // throws on invalid UTF-8
        assert.is(text.slice(0, DAEMON_HEADER.length), DAEMON_HEADER);
        const doc = JSON.parse(text.slice(DAEMON_HEADER.length));
        checkEntity(doc, doc.type === "subsegment" ? "subsegment" : "segment");
      }
    }),
    { numRuns: 400 },
  );
  assert.is(x.liveNodes(), 0);
});

test.run();
