import { test } from "uvu";
import * as assert from "uvu/assert";
import { Tracer } from "../../adapters/host/index.ts";
import { setup, ROOT, PARENT, SAMPLED } from "./helpers.ts";

test("a header's Sampled=1 is obeyed without asking the sampler", () => {
  let asked = 0;
  const { tracer, emitter } = setup({ sampler: { shouldSample: () => (asked++, { sampled: false, rule: "no" }) } });
  tracer.beginSegment("s", { traceHeader: SAMPLED }).close();
  assert.is(asked, 0);
  assert.is(emitter.documents().length, 1);
});

test("Sampled=0: nothing is sent, the header still propagates the trace", () => {
  const { tracer, emitter } = setup();
  const s = tracer.beginSegment("s", { traceHeader: `Root=${ROOT};Parent=${PARENT};Sampled=0;Lineage=1:a87bd80c:0` });
  assert.is(s.sampled, false);
  const sub = s.beginSubsegment("call");
  assert.match(sub.traceHeader, new RegExp(`^Root=${ROOT};Parent=[0-9a-f]{16};Sampled=0;Lineage=1:a87bd80c:0$`));
  assert.is.not(sub.id, s.id);
  sub.addAnnotation("k", "v");
  sub.close();
  s.close();
  assert.is(emitter.datagrams.length, 0);
});

test("no decision in the header: the sampler decides, with the service name", () => {
  const requests: unknown[] = [];
  const { tracer, emitter } = setup({
    serviceName: "orders",
    sampler: { shouldSample: (r) => (requests.push(r), { sampled: false, rule: "x" }) },
  });
  const s = tracer.beginSegment("s", { traceHeader: `Root=${ROOT};Sampled=?`, request: { host: "h", urlPath: "/p" } });
  s.close();
  assert.equal(requests, [{ host: "h", urlPath: "/p", serviceName: "orders" }]);
  assert.is(s.traceId, ROOT, "the trace is kept even when not sampled");
  assert.is(emitter.datagrams.length, 0);
});

test("a facade is recorded only on Root, Parent and Sampled=1; on any other header the sampler is not asked", () => {
  let asked = 0;
  const { tracer, emitter } = setup({ sampler: { shouldSample: () => (asked++, { sampled: true, rule: "all" }) } });
  const facade = tracer.beginSegment("f", { traceHeader: `Root=${ROOT};Parent=${PARENT};Sampled=1`, facade: true });
  assert.is(facade.sampled, true);
  assert.is(facade.id, PARENT, "a facade's ID is the header's Parent");
  const headers = [
    `Root=${ROOT};Sampled=1`,
    `Root=${ROOT};Parent=${PARENT}`,
    `Root=${ROOT};Parent=${PARENT};Sampled=?`,
    `Root=${ROOT}`,
    "Root=bad;Sampled=1",
    undefined,
  ];
  for (const traceHeader of headers) {
    const s = tracer.beginSegment("f", { traceHeader, facade: true });
    assert.is(s.sampled, false, String(traceHeader));
    s.beginSubsegment("sub").close();
    s.close();
  }
  assert.is(asked, 0);
  // The same header as an object: recorded the same way.
  const parsed = tracer.beginSegment("f", { traceHeader: { root: ROOT, parent: PARENT, sampled: true, extra: {} }, facade: true });
  assert.is(parsed.sampled, true);
  assert.is(parsed.id, PARENT);
  assert.is(
    tracer.beginSegment("f", { traceHeader: { root: ROOT, sampled: true, extra: {} }, facade: true }).sampled,
    false,
    "an object without Parent",
  );
  parsed.beginSubsegment("from object").close();
  facade.beginSubsegment("sent").close();
  facade.close();
  parsed.close();
  assert.equal(
    emitter.documents().map((d) => d.name),
    ["from object", "sent"],
    "only the sampled facades' subsegments",
  );
  // The same headers without facade go to the sampler (the last two have no valid Root).
  for (const traceHeader of headers.slice(2)) tracer.beginSegment("s", { traceHeader }).close();
  assert.is(asked, 4);
});

test("traceHeader names the segment or subsegment as parent and carries Lineage and extras", () => {
  const { tracer } = setup();
  const s = tracer.beginSegment("s", { traceHeader: `Root=${ROOT};Parent=${PARENT};Sampled=1;Lineage=a87bd80c:1;Team=x` });
  assert.is(s.traceHeader, `Root=${ROOT};Parent=${s.id};Sampled=1;Lineage=a87bd80c:1;Team=x`);
  const sub = s.beginSubsegment("c");
  assert.is(sub.traceHeader, `Root=${ROOT};Parent=${sub.id};Sampled=1;Lineage=a87bd80c:1;Team=x`);
  sub.close();
  s.close();
});

test("a parsed TraceHeader object is accepted as well as text", () => {
  const { tracer, emitter } = setup();
  tracer.beginSegment("s", { traceHeader: { root: ROOT, parent: PARENT, sampled: true, extra: {} } }).close();
  const [doc] = emitter.documents();
  assert.is(doc!.trace_id, ROOT);
  assert.is(doc!.parent_id, PARENT);
});

test("the segment name defaults to the service name", () => {
  const { tracer, emitter } = setup({ serviceName: "checkout" });
  tracer.beginSegment(undefined, { traceHeader: SAMPLED }).close();
  assert.is(emitter.documents()[0]!.name, "checkout");
});

test("a handle used after its document was sent is ignored with one warning", () => {
  const { tracer, emitter, logger } = setup();
  const old = tracer.beginSegment("old", { traceHeader: SAMPLED });
  const oldSub = old.beginSubsegment("old-sub");
  oldSub.close();
  old.close();
  // The next segment reuses the freed slots; the stale handles must not reach it.
  const next = tracer.beginSegment("next", { traceHeader: SAMPLED });
  const nextSub = next.beginSubsegment("next-sub");
  old.addAnnotation("leak", 1);
  oldSub.addAnnotation("leak", 1);
  oldSub.addMetadata("leak", 1);
  oldSub.addFaultFlag();
  oldSub.close();
  nextSub.close();
  next.close();
  const docs = emitter.documents();
  assert.is(docs.length, 2);
  assert.not.ok(JSON.stringify(docs[1]).includes("leak"));
  assert.not.ok(docs[1]!.subsegments[0].fault);
  assert.is(logger.messages.filter((m) => m.includes("already sent")).length, 1);
  assert.is(tracer.stats().stale, 5);
});

test("closing twice warns once and sends once", () => {
  const { tracer, emitter, logger } = setup();
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  const sub = s.beginSubsegment("sub");
  sub.close();
  sub.close();
  s.close();
  assert.is(emitter.datagrams.length, 1);
  assert.is(logger.messages.filter((m) => m.includes("already closed")).length, 1);
});

test("an emitter that throws never reaches the caller", () => {
  const { x, logger } = setup();
  const tracer = new Tracer({
    xray: x,
    logger,
    emitter: {
      send() {
        throw new Error("socket gone");
      },
      flush: () => Promise.reject(new Error("x")),
    },
  });
  tracer.beginSegment("s", { traceHeader: SAMPLED }).close();
  assert.ok(logger.messages.some((m) => m.includes("socket gone")));
  return tracer.flush();
});

test("without an emitter nothing is sent and nothing throws", () => {
  const { x } = setup();
  const tracer = new Tracer({ xray: x, logger: { warn() {} } });
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  s.beginSubsegment("c").close();
  s.close();
  assert.is(tracer.stats().sent, 0);
  assert.is(x.liveNodes(), 0);
});

test("setHttp sets flags from the response status", () => {
  const { tracer, emitter } = setup();
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  for (const status of [200, 404, 429, 503]) {
    const c = s.beginSubsegment(`s${status}`);
    c.setHttp({ response: { status } });
    c.close();
  }
  s.close();
  const flags = emitter.documents()[0]!.subsegments.map((d: Record<string, unknown>) => [d.name, !!d.error, !!d.throttle, !!d.fault]);
  assert.equal(flags, [
    ["s200", false, false, false],
    ["s404", true, false, false],
    ["s429", true, true, false],
    ["s503", false, false, true],
  ]);
});

test("every recorded field replaces the earlier value (members are single)", () => {
  const { tracer, emitter } = setup();
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  s.setAws({ a: 1 });
  s.setAws({ b: 2 });
  s.setUser("u1");
  s.setUser("u2");
  s.close();
  const [doc] = emitter.documents();
  assert.equal(doc!.aws, { b: 2 });
  assert.is(doc!.user, "u2");
});

test.run();
