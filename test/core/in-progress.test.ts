/**
 * `sendInProgress()`: an open entity sent now with what it holds, left open, sent again when it
 * closes. What a Lambda handler needs before its deadline: a closed subsegment inside an open one
 * otherwise waits for its parent, and dies with a process killed first.
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

test("a facade's open child: sent in progress with its closed children and its open ones, then again closed", () => {
  const { x, emitter, tracer } = setup();
  const facade = tracer.beginSegment("fn", { traceHeader: SAMPLED, facade: true });
  const handler = facade.beginSubsegment("## handler");
  handler.addAnnotation("ColdStart", true);
  const done = handler.beginSubsegment("done");
  done.close();
  const hanging = handler.beginSubsegment("hanging");
  const inner = hanging.beginSubsegment("inner");
  inner.close();
  assert.is(emitter.datagrams.length, 0, "closed children wait inside their open parent");

  handler.sendInProgress();
  const [early] = valid(emitter);
  assert.is(emitter.datagrams.length, 1);
  assert.is(early!.id, handler.id);
  assert.is(early!.type, "subsegment");
  assert.is(early!.trace_id, ROOT);
  assert.is(early!.parent_id, PARENT);
  assert.is(early!.in_progress, true);
  assert.is(early!.end_time, undefined);
  assert.equal(early!.annotations, { ColdStart: true });
  const [d, h] = early!.subsegments;
  assert.is(d.id, done.id);
  assert.ok(d.end_time >= d.start_time);
  assert.is(d.in_progress, undefined);
  assert.is(h.id, hanging.id);
  assert.is(h.in_progress, true);
  assert.is(h.subsegments[0].id, inner.id);
  assert.ok(h.subsegments[0].end_time >= h.subsegments[0].start_time);

  // Still open and recording: the close sends it again, complete, under the same ID.
  handler.addAnnotation("late", 1);
  hanging.close();
  handler.close();
  facade.close();
  const docs = valid(emitter);
  assert.is(docs.length, 2);
  const last = docs[1]!;
  assert.is(last.id, handler.id);
  assert.is(last.parent_id, PARENT);
  assert.is(last.in_progress, undefined);
  assert.ok(last.end_time >= last.start_time);
  assert.equal(last.annotations, { ColdStart: true, late: 1 });
  assert.equal(
    last.subsegments.map((s: any) => [s.id, s.in_progress, s.subsegments?.[0]?.id]),
    [
      [done.id, undefined, undefined],
      [hanging.id, undefined, inner.id],
    ],
  );
  assert.is(x.liveNodes(), 0);
  const s = tracer.stats();
  assert.is(s.entitiesSent, 4, "each entity counted once, when it went closed");
  assert.is(s.entitiesBegun, s.entitiesSent + s.entitiesFailed);
});

test("a segment's open child: leaves the segment's document, sent on its own when it closes", () => {
  const { x, emitter, tracer } = setup();
  const segment = tracer.beginSegment("api");
  const child = segment.beginSubsegment("slow");
  child.sendInProgress();
  segment.close();
  child.close();
  const docs = valid(emitter);
  assert.equal(
    docs.map((d) => [d.id, d.type, d.parent_id, d.in_progress === true, d.subsegments?.length]),
    [
      [child.id, "subsegment", segment.id, true, undefined],
      [segment.id, undefined, undefined, false, undefined],
      [child.id, "subsegment", segment.id, false, undefined],
    ],
  );
  assert.is(x.liveNodes(), 0);
});

test("an open segment: sent in progress; closed, facade and unsampled handles send nothing and never throw", () => {
  const { emitter, tracer, logger } = setup();
  const segment = tracer.beginSegment("api");
  segment.sendInProgress();
  segment.sendInProgress();
  segment.close();
  segment.sendInProgress();
  const docs = valid(emitter);
  assert.equal(
    docs.map((d) => [d.id, d.in_progress === true]),
    [
      [segment.id, true],
      [segment.id, true],
      [segment.id, false],
    ],
  );
  emitter.clear();
  const facade = tracer.beginSegment("fn", { traceHeader: SAMPLED, facade: true });
  facade.sendInProgress();
  const unsampled = tracer.beginSegment("no", { traceHeader: `Root=${ROOT};Sampled=0` });
  unsampled.sendInProgress();
  unsampled.beginSubsegment("child").sendInProgress();
  facade.close();
  assert.is(emitter.datagrams.length, 0);
  assert.ok(
    logger.messages.every((m) => !/tracing failed/.test(m)),
    logger.messages.join("\n"),
  );
});

test("an in-progress document past one datagram is split: every closed subsegment is delivered", () => {
  const { x, emitter, tracer } = setup();
  const facade = tracer.beginSegment("fn", { traceHeader: SAMPLED, facade: true });
  const handler = facade.beginSubsegment("## handler");
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    const c = handler.beginSubsegment(`c${i}`);
    c.addMetadata("blob", "x".repeat(12_000));
    c.close();
    ids.push(c.id);
  }
  handler.sendInProgress();
  const docs = valid(emitter);
  assert.ok(docs.length > 1, `${docs.length} datagrams`);
  const seen = docs.flatMap((d) => [d, ...(d.subsegments ?? [])]).filter((d) => d.end_time !== undefined);
  assert.equal(seen.map((d) => d.id).sort(), [...ids].sort());
  assert.ok(docs.some((d) => d.id === handler.id && d.in_progress === true));
  handler.close();
  facade.close();
  assert.is(x.liveNodes(), 0);
  const s = tracer.stats();
  assert.is(s.entitiesBegun, s.entitiesSent + s.entitiesFailed);
});

test.run();
