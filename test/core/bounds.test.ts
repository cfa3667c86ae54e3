import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createXRay, DEFAULT_MAX_ENTITIES, type Emitter, MAX_DATAGRAM_BYTES, Sampler, Tracer } from "../../adapters/host/index.ts";
import { validateDatagram } from "../../core/validate.ts";

// The core's bounds, each a failure seen before the rebuild: depth, size, re-entrant emitters,
// entities never closed, samplers never freed.

setFlagsFromString("--expose-gc");
/** Samples everything: these tests are about what happens to recorded entities. */
const sampler = { shouldSample: () => ({ sampled: true, rule: "all" }) };
const gc = runInNewContext("gc") as () => void;

/** Collects garbage until `done` holds (finalizers run as tasks after a collection), or fails. */
async function collectUntil(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.ok(done(), what);
}

/** An emitter that checks every datagram and keeps, per entity ID, its parent ID and whether it was closed. */
function checkingEmitter() {
  const closed = new Map<string, string | undefined>();
  const seen = new Set<string>();
  let datagrams = 0;
  const emitter: Emitter & { closed: typeof closed; seen: typeof seen; count: () => number } = {
    closed,
    seen,
    count: () => datagrams,
    send(d) {
      datagrams++;
      assert.ok(d.length <= MAX_DATAGRAM_BYTES, `a datagram of ${d.length} bytes`);
      const check = validateDatagram(d.slice());
      assert.equal(check.violations, [], "every datagram valid");
      const walk = (e: Record<string, any>, parent: string | undefined) => {
        seen.add(e.id);
        if (e.end_time !== undefined) closed.set(e.id, parent);
        for (const s of e.subsegments ?? []) walk(s, e.id);
      };
      walk(check.document!, check.document!.parent_id as string | undefined);
    },
    flush: () => Promise.resolve(),
  };
  return emitter;
}

test("a chain 20,000 deep is delivered whole, in full datagrams, every node freed (was: wasm stack overflow at ~8,200)", () => {
  const x = createXRay();
  const emitter = checkingEmitter();
  const tracer = new Tracer({ xray: x, sampler, emitter });
  const segment = tracer.beginSegment("root");
  const chain = [segment as { close(): void; id: string; beginSubsegment(n: string): any }];
  for (let i = 0; i < 20000; i++) chain.push(chain[chain.length - 1]!.beginSubsegment(`c${i}`));
  const ids = chain.map((c) => c.id);
  for (let i = chain.length - 1; i >= 0; i--) chain[i]!.close();
  for (let i = 1; i < ids.length; i++) assert.is(emitter.closed.get(ids[i]!), ids[i - 1], `node ${i} under its parent`);
  assert.is(emitter.closed.size, 20001);
  // A node encodes to about 120 bytes, and a document nests 32 levels at most: 20,001 nodes
  // fill 20,001 / 33 ≈ 607 documents, not one each.
  assert.ok(emitter.count() <= 700, `${emitter.count()} datagrams`);
  assert.is(x.liveNodes(), 0);
  assert.equal(tracer.stats().entitiesSent, 20001);
});

test("a chain closed root first: open descendants follow on their own, each under its parent", () => {
  const x = createXRay();
  const emitter = checkingEmitter();
  const tracer = new Tracer({ xray: x, sampler, emitter });
  const chain: any[] = [tracer.beginSegment("root")];
  for (let i = 0; i < 5000; i++) chain.push(chain[chain.length - 1].beginSubsegment(`c${i}`));
  for (const c of chain) c.close();
  for (let i = 1; i < chain.length; i++) assert.is(emitter.closed.get(chain[i].id), chain[i - 1].id);
  assert.is(x.liveNodes(), 0);
});

test("1,000 subsegments of 58 KB are delivered whole with wasm memory under 16 MB (was: 256 MB pinned)", () => {
  const x = createXRay();
  const emitter = checkingEmitter();
  const tracer = new Tracer({ xray: x, sampler, emitter });
  const segment = tracer.beginSegment("big");
  const blob = "x".repeat(58000);
  const ids: string[] = [];
  let peak = 0;
  for (let i = 0; i < 1000; i++) {
    const sub = segment.beginSubsegment(`s${i}`);
    sub.addMetadata("blob", blob);
    ids.push(sub.id);
    sub.close();
    peak = Math.max(peak, x.memoryBytes());
  }
  segment.close();
  for (const id of ids) assert.is(emitter.closed.get(id), segment.id);
  assert.ok(emitter.closed.has(segment.id));
  assert.ok(peak <= 16 * 1024 * 1024, `peak wasm memory ${peak}`);
  assert.is(x.liveNodes(), 0);
  assert.equal(tracer.stats().failed, 0);
});

test("a wide fan too large for one datagram is split into documents that each fit, none lost", () => {
  const x = createXRay();
  const emitter = checkingEmitter();
  const tracer = new Tracer({ xray: x, sampler, emitter });
  const segment = tracer.beginSegment("fan");
  const ids: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const sub = segment.beginSubsegment(`s${i}`);
    sub.addAnnotation("i", i);
    ids.push(sub.id);
    sub.close();
  }
  segment.close();
  for (const id of ids) assert.is(emitter.closed.get(id), segment.id);
  assert.ok(emitter.count() > 1 && emitter.count() < 3000, `${emitter.count()} datagrams`);
  assert.is(x.liveNodes(), 0);
});

test("an emitter that traces on the same core from inside send gets every document right (was: 39 of 41 lost)", () => {
  const x = createXRay();
  const sent: string[] = [];
  let tracer: Tracer | undefined;
  let inner = 0;
  let busy = false;
  const emitter: Emitter = {
    send(d) {
      sent.push(new TextDecoder().decode(d));
      // Trace the send itself, as an instrumented transport would: a whole segment, closed here
      // (not when sending that segment's own document, or it would never end).
      if (!busy && inner < 40) {
        busy = true;
        inner++;
        const s = tracer!.beginSegment("emitter-send");
        s.addAnnotation("n", inner);
        s.beginSubsegment("write").close();
        s.close();
        busy = false;
      }
    },
    flush: () => Promise.resolve(),
  };
  tracer = new Tracer({ xray: x, sampler, emitter });
  const outer = tracer.beginSegment("outer");
  // 41 subsegments of 20 KB: the outer trace leaves in many datagrams, each send re-entering.
  for (let i = 0; i < 41; i++) {
    const sub = outer.beginSubsegment(`sub${i}`);
    sub.addMetadata("pad", "p".repeat(20000));
    sub.close();
  }
  outer.close();
  const docs = sent.map((t) => JSON.parse(t.slice(t.indexOf("\n") + 1)));
  const names = new Set<string>();
  const walk = (e: any) => {
    names.add(e.name);
    for (const s of e.subsegments ?? []) walk(s);
  };
  for (const d of docs) walk(d);
  for (let i = 0; i < 41; i++) assert.ok(names.has(`sub${i}`), `sub${i} arrived`);
  // One traced send for each of the outer trace's datagrams (up to 40), none for their own.
  const outerDatagrams = docs.filter((d) => d.name !== "emitter-send").length;
  assert.ok(outerDatagrams > 10, `${outerDatagrams} datagrams for the outer trace`);
  assert.is(docs.filter((d) => d.name === "emitter-send").length, Math.min(40, outerDatagrams));
  for (const d of docs.filter((d) => d.name === "emitter-send"))
    assert.equal(
      d.subsegments.map((s: any) => s.name),
      ["write"],
    );
  for (const t of sent) assert.equal(validateDatagram(new TextEncoder().encode(t)).violations, []);
  assert.is(x.liveNodes(), 0);
  assert.equal(tracer.stats().failed, 0);
});

test("a clock and a logger that trace on the same tracer from inside their calls: both documents right", () => {
  const x = createXRay();
  const emitter = checkingEmitter();
  let tracer: Tracer | undefined;
  let ticks = 0;
  const clock = () => {
    ticks++;
    // A clock that records its own reads, as an instrumented time source might.
    if (ticks % 5 === 0) tracer!.beginSegment("clock-read").close();
    return 1700000000 + ticks / 1000;
  };
  const logger = {
    warn() {
      const s = tracer!.beginSegment("logged");
      s.addAnnotation("ok", true);
      s.close();
    },
  };
  tracer = new Tracer({ xray: x, sampler, emitter, clock, logger });
  const s = tracer.beginSegment("outer");
  const sub = s.beginSubsegment("child");
  sub.addAnnotation("bad key!", 1); // a warning: the logger traces
  sub.close();
  s.close();
  assert.ok(emitter.closed.has(s.id) && emitter.closed.get(sub.id) === s.id, "the outer trace whole");
  assert.ok(emitter.count() >= 3, `${emitter.count()} datagrams`);
  assert.is(x.liveNodes(), 0);
  const stats = tracer.stats();
  assert.is(stats.entitiesBegun, stats.entitiesSent);
});

test("an emitter whose every send closes another segment stops at the nesting bound, counted, nothing thrown", () => {
  const x = createXRay();
  let tracer: Tracer | undefined;
  const emitter: Emitter = {
    send() {
      tracer!.beginSegment("again").close();
    },
    flush: () => Promise.resolve(),
  };
  tracer = new Tracer({ xray: x, sampler, emitter, logger: { warn() {} } });
  tracer.beginSegment("first").close();
  const stats = tracer.stats();
  assert.ok(stats.failed >= 1, "the document that could not nest is counted");
  assert.is(stats.entitiesBegun, stats.entitiesSent + stats.entitiesFailed);
  assert.is(x.liveNodes(), 0);
});

test("past the cap on live entities, new ones are refused, warned once and counted; the rest works", () => {
  const x = createXRay({ maxEntities: 100 });
  const messages: string[] = [];
  const tracer = new Tracer({ xray: x, sampler, emitter: checkingEmitter(), logger: { warn: (m) => void messages.push(m) } });
  const open = Array.from({ length: 150 }, (_, i) => tracer.beginSegment(`s${i}`));
  assert.is(open.filter((s) => s.sampled).length, 100);
  assert.is(tracer.stats().overCap, 50);
  assert.is(messages.filter((m) => m.includes("cap")).length, 1);
  for (const s of open) s.close();
  assert.is(x.liveNodes(), 0);
  assert.ok(tracer.beginSegment("after").sampled, "room again once closed");
});

test("at the cap, a segment joining a header is refused once, counted once, and still propagates its trace", () => {
  const x = createXRay({ maxEntities: 1 });
  const tracer = new Tracer({ xray: x, sampler, emitter: checkingEmitter(), logger: { warn() {} } });
  const held = tracer.beginSegment("held");
  const refused = tracer.beginSegment("refused", {
    traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Tenant=acme",
  });
  assert.is(refused.sampled, false);
  assert.is(tracer.stats().overCap, 1);
  assert.match(refused.traceHeader, /^Root=1-5759e988-bd862e3fe1be46a994272793;Parent=[0-9a-f]{16};Sampled=0;Tenant=acme$/);
  held.close();
});

test("the cap defaults to DEFAULT_MAX_ENTITIES; createXRay refuses a cap that is not an integer in range", () => {
  assert.is(DEFAULT_MAX_ENTITIES, 131072);
  assert.throws(() => createXRay(5 as never), /createXRay: option "options" must be an object, got 5/);
  for (const bad of [0, -1, 1.5, 2 ** 22, "10", Number.NaN]) {
    assert.throws(() => createXRay({ maxEntities: bad as number }), /option "maxEntities" must be an integer from 1 to 2097152/);
  }
});

test("segments dropped unclosed are reclaimed after a collection and counted as abandoned", async () => {
  const x = createXRay();
  const tracer = new Tracer({ xray: x, sampler, emitter: checkingEmitter(), logger: { warn() {} } });
  const kept = tracer.beginSegment("kept");
  (() => {
    for (let i = 0; i < 2000; i++) {
      const s = tracer.beginSegment(`dropped${i}`);
      s.beginSubsegment("child");
    }
  })();
  assert.is(x.liveNodes(), 4001);
  await collectUntil(() => x.liveNodes() === 1, "every dropped segment and its child reclaimed");
  assert.is(tracer.stats().abandoned, 4000);
  kept.close();
  assert.is(x.liveNodes(), 0);
});

test("a closed subsegment whose handle is dropped waits for its segment: it is not reclaimed", async () => {
  const x = createXRay();
  const emitter = checkingEmitter();
  const tracer = new Tracer({ xray: x, sampler, emitter });
  const segment = tracer.beginSegment("s");
  let childId = "";
  (() => {
    const sub = segment.beginSubsegment("closed-early");
    childId = sub.id;
    sub.close();
  })();
  await collectUntil(() => tracer.stats().abandoned === 0 && x.liveNodes() === 2, "nothing reclaimed");
  gc();
  await new Promise((r) => setTimeout(r, 20));
  segment.close();
  assert.is(emitter.closed.get(childId), segment.id);
  assert.is(tracer.stats().abandoned, 0);
});

test("a Sampler that is garbage-collected frees its rule set in the core (was: 256 MB for 100,000)", async () => {
  const x = createXRay();
  const before = x.liveSamplers();
  (() => {
    const rules = {
      version: 2,
      rules: [{ host: "*", http_method: "*", url_path: "/a", fixed_target: 1, rate: 0.1 }],
      default: { fixed_target: 1, rate: 0.05 },
    };
    for (let i = 0; i < 2000; i++) new Sampler({ xray: x, rules }).shouldSample();
  })();
  await collectUntil(() => x.liveSamplers() <= before + 1, "collected samplers freed");
  const memory = x.memoryBytes();
  (() => {
    for (let i = 0; i < 2000; i++) new Sampler({ xray: x });
  })();
  await collectUntil(() => x.liveSamplers() <= before + 1, "freed again");
  assert.is(x.memoryBytes(), memory, "no growth: freed rule sets are reused");
});

test("a Tracer dropped with its open segments leaves nothing in the core", async () => {
  const x = createXRay();
  (() => {
    const tracer = new Tracer({ xray: x, sampler, emitter: checkingEmitter(), logger: { warn() {} } });
    for (let i = 0; i < 500; i++) tracer.beginSegment(`s${i}`).beginSubsegment("c");
  })();
  assert.is(x.liveNodes(), 1000);
  await collectUntil(() => x.liveNodes() === 0, "every node of the dropped tracer reclaimed");
  // Its default Sampler went with it.
  await collectUntil(() => x.liveSamplers() === 0, "its sampler freed");
});

test.run();
