/**
 * `beginSegment(name, { facade: true, stream: true })`: every subsegment of the facade's trace,
 * nested ones too, is sent as its own document when it closes (as aws-xray-sdk-core streams them
 * in Lambda), with its parent's ID as `parent_id`; without `stream`, a nested subsegment waits
 * in its parent, as before. Every datagram is checked against the schema.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateDatagram } from "../../core/validate.ts";
import type { MemoryEmitter } from "../../adapters/host/index.ts";
import { PARENT, ROOT, SAMPLED, setup } from "./helpers.ts";

function valid(emitter: MemoryEmitter): Record<string, any>[] {
  for (const d of emitter.datagrams) assert.equal(validateDatagram(d).violations, [], new TextDecoder().decode(d).slice(0, 300));
  return emitter.documents();
}

test("stream: each subsegment leaves alone when it closes, nested ones with their parent's ID", () => {
  const { tracer, emitter } = setup();
  const facade = tracer.beginSegment("fn", { traceHeader: SAMPLED, facade: true, stream: true });
  const a = facade.beginSubsegment("a");
  const b = a.beginSubsegment("b");
  const c = b.beginSubsegment("c");
  c.addAnnotation("depth", 3);
  c.close();
  let docs = valid(emitter);
  assert.equal(
    docs.map((d) => [d.name, d.type, d.trace_id, d.parent_id, d.subsegments]),
    [["c", "subsegment", ROOT, b.id, undefined]],
  );
  assert.equal(docs[0]!.annotations, { depth: 3 });
  b.close();
  a.close();
  docs = valid(emitter);
  assert.equal(
    docs.map((d) => [d.name, d.parent_id, d.subsegments]),
    [
      ["c", b.id, undefined],
      ["b", a.id, undefined],
      ["a", PARENT, undefined],
    ],
  );
  facade.close();
  assert.is(emitter.datagrams.length, 3, "the facade itself is never sent");
  const s = tracer.stats();
  assert.equal([s.entitiesBegun, s.entitiesSent, s.abandoned], [3, 3, 0]);
});

test("stream: a parent that closes before its child is sent with the child in progress; the child's later children still leave alone", () => {
  const { tracer, emitter } = setup();
  const facade = tracer.beginSegment("fn", { traceHeader: SAMPLED, facade: true, stream: true });
  const a = facade.beginSubsegment("a");
  const b = a.beginSubsegment("b");
  a.close();
  const late = b.beginSubsegment("late");
  late.close();
  b.close();
  const docs = valid(emitter);
  assert.equal(
    docs.map((d) => [d.name, d.parent_id, (d.subsegments ?? []).map((x: Record<string, unknown>) => [x.name, x.in_progress === true])]),
    [
      ["a", PARENT, [["b", true]]],
      ["late", b.id, []],
      ["b", a.id, []],
    ],
  );
  facade.close();
});

test("without stream: a nested subsegment waits in its parent (a facade's children leave when they close)", () => {
  const { tracer, emitter } = setup();
  const facade = tracer.beginSegment("fn", { traceHeader: SAMPLED, facade: true });
  const a = facade.beginSubsegment("a");
  a.beginSubsegment("b").close();
  assert.is(emitter.datagrams.length, 0);
  a.close();
  const docs = valid(emitter);
  assert.equal(
    docs.map((d) => [d.name, d.parent_id, (d.subsegments ?? []).map((x: Record<string, unknown>) => x.name)]),
    [["a", PARENT, ["b"]]],
  );
  facade.close();
});

test("stream without facade is ignored: a segment is sent whole when it closes", () => {
  const { tracer, emitter } = setup();
  const segment = tracer.beginSegment("svc", { traceHeader: SAMPLED, stream: true });
  segment.beginSubsegment("a").beginSubsegment("b").close();
  assert.is(emitter.datagrams.length, 0);
  segment.close();
  assert.is(valid(emitter).length, 1);
});

test.run();
