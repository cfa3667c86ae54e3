import { test } from "uvu";
import * as assert from "uvu/assert";
import { DAEMON_HEADER, MAX_DATAGRAM_BYTES } from "../../adapters/host/index.ts";
import { setup, SAMPLED, ROOT } from "./helpers.ts";

type Doc = Record<string, any>;

/** Every subsegment ID in a document tree, with its parent's ID. */
function walk(doc: Doc, parent: string | undefined, out: Map<string, string | undefined>) {
  out.set(doc.id, parent);
  for (const s of doc.subsegments ?? []) walk(s, doc.id, out);
}

function check(emitter: ReturnType<typeof setup>["emitter"]) {
  const sizes = emitter.datagrams.map((d) => d.length);
  for (const n of sizes) assert.ok(n <= MAX_DATAGRAM_BYTES, `datagram of ${n} bytes`);
  const docs = emitter.documents();
  const placed = new Map<string, string | undefined>();
  for (const d of docs) {
    assert.is(d.trace_id, ROOT);
    if (d.type === "subsegment") assert.match(d.parent_id, /^[0-9a-f]{16}$/);
    walk(d, d.type === "subsegment" ? d.parent_id : undefined, placed);
  }
  return { docs, placed, sizes };
}

test("a segment over 64 KB sends its largest subsegments on their own: nothing dropped", () => {
  const { tracer, emitter } = setup();
  const s = tracer.beginSegment("big", { traceHeader: SAMPLED });
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    const c = s.beginSubsegment(`c${i}`);
    c.addMetadata("blob", "x".repeat(2000));
    ids.push(c.id);
    c.close();
  }
  s.close();
  const { docs, placed } = check(emitter);
  assert.ok(docs.length > 3, `${docs.length} documents`);
  for (const id of ids) assert.is(placed.get(id), s.id, `subsegment ${id} sent once under the segment`);
  assert.is(placed.size, 101);
});

test("deep nesting over 64 KB is split at every level", () => {
  const { tracer, emitter, x } = setup();
  const s = tracer.beginSegment("deep", { traceHeader: SAMPLED });
  const chain = [];
  let parent: { beginSubsegment: typeof s.beginSubsegment } = s;
  for (let i = 0; i < 40; i++) {
    const c = parent.beginSubsegment(`level${i}`);
    c.addMetadata("blob", "y".repeat(5000));
    chain.push(c);
    parent = c;
  }
  const ids = chain.map((c) => c.id);
  for (const c of chain.reverse()) c.close();
  s.close();
  const { placed } = check(emitter);
  for (const [i, id] of ids.entries()) assert.is(placed.get(id), i === 0 ? s.id : ids[i - 1]);
  assert.is(x.liveNodes(), 0);
});

test("one node's own data is limited to 60,000 bytes: the excess is refused, the rest sent", () => {
  const { tracer, emitter, logger } = setup();
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  s.addMetadata("a", "a".repeat(40000));
  s.addMetadata("b", "b".repeat(30000));
  s.addMetadata("huge", "h".repeat(200000));
  s.addAnnotation("still", true);
  s.close();
  const { docs } = check(emitter);
  assert.equal(Object.keys(docs[0]!.metadata.default), ["a"]);
  assert.is(docs[0]!.annotations.still, true);
  assert.ok(logger.messages.some((m) => m.includes("60,000 bytes")));
  assert.is(tracer.stats().refused, 2);
});

test("replacing a value many times reclaims the space of the old ones", () => {
  const { tracer, emitter } = setup();
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  for (let i = 0; i < 5000; i++) s.addAnnotation("counter", "v".repeat(900) + i);
  s.close();
  assert.is(tracer.stats().refused, 0);
  assert.is(emitter.documents()[0]!.annotations.counter, "v".repeat(900) + 4999);
});

test("every datagram starts with the daemon header line", () => {
  const { tracer, emitter } = setup();
  tracer.beginSegment("s", { traceHeader: SAMPLED }).close();
  const text = emitter.texts()[0]!;
  assert.is(text.slice(0, DAEMON_HEADER.length), '{"format": "json", "version": 1}\n');
});

test.run();
