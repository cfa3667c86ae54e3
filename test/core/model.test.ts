import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createXRay, type Emitter, MAX_DATAGRAM_BYTES, type Segment, type Subsegment, Tracer } from "../../adapters/host/index.ts";
import { validateDatagram } from "../../core/validate.ts";

// Every public method of Tracer, Segment and Subsegment, driven with arbitrary values, arbitrary
// nesting (handles picked at random, closed in any order, used after close) and emitters that
// trace from inside send. What must hold after any sequence: nothing thrown, every datagram the
// daemon header plus a document the validator accepts within 65,507 bytes, every entity begun
// accounted for in stats() (sent, failed, or still alive), and wasm memory bounded.

const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.constantFrom("", "AWS.x", "default", "a".repeat(600)),
);
const anyValue = fc.oneof(
  anyString,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.bigInt(),
  fc.constantFrom(null, undefined, Number.NaN, Symbol.for("s")),
  fc.object({ maxDepth: 2 }),
  fc.array(fc.anything({ maxDepth: 1 }), { maxLength: 4 }),
  fc.constant(new Error("boom", { cause: new TypeError("inner") })),
  fc.constant({ request: { method: "GET", url: "https://a/b" }, response: { status: 503, content_length: 3 } }),
);
const pick = fc.nat();
const op = fc.oneof(
  fc.tuple(
    fc.constant("segment"),
    anyValue,
    fc.oneof(fc.constant(undefined), anyString, fc.constant("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")),
  ),
  fc.tuple(fc.constant("sub"), pick, anyValue, anyValue),
  fc.tuple(fc.constant("annotate"), pick, anyValue, anyValue),
  fc.tuple(fc.constant("metadata"), pick, anyValue, anyValue, anyValue),
  fc.tuple(fc.constant("error"), pick, anyValue, anyValue),
  fc.tuple(fc.constant("http"), pick, anyValue),
  fc.tuple(fc.constant("aws"), pick, anyValue),
  fc.tuple(fc.constant("sql"), pick, anyValue),
  fc.tuple(fc.constant("user"), pick, anyValue),
  fc.tuple(fc.constant("flag"), pick, fc.nat(2)),
  fc.tuple(fc.constant("read"), pick),
  fc.tuple(fc.constant("close"), pick),
  fc.tuple(fc.constant("flush")),
);

type Handle = Segment | Subsegment;

test("any sequence of public calls with any values and re-entrant emitters: nothing thrown, valid datagrams, everything accounted for", () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), fc.boolean(), (ops, reentrant) => {
      // A core of its own per run: a failing run must not leave nodes in the next one's.
      const x = createXRay();
      const memoryAtStart = x.memoryBytes();
      let tracer: Tracer | undefined;
      let inside = false;
      let datagrams = 0;
      const emitter: Emitter = {
        send(d) {
          datagrams++;
          assert.ok(d.length <= MAX_DATAGRAM_BYTES, `${d.length} bytes`);
          const check = validateDatagram(d.slice());
          assert.ok(check.headerOk);
          assert.equal(check.violations, [], new TextDecoder().decode(d).slice(0, 400));
          if (reentrant && !inside) {
            inside = true;
            const s = tracer!.beginSegment("reentrant");
            s.addAnnotation("datagram", datagrams);
            s.beginSubsegment("inner").close();
            s.close();
            inside = false;
          }
        },
        flush: () => Promise.resolve(),
      };
      tracer = new Tracer({ xray: x, emitter, logger: { warn() {} }, sampler: { shouldSample: () => ({ sampled: true, rule: "all" }) } });
      const handles: Handle[] = [];
      const at = (i: number) => handles[i % Math.max(handles.length, 1)];
      for (const [name, a, b, c, d] of ops as [string, any, any, any, any][]) {
        const h = typeof a === "number" ? at(a) : undefined;
        switch (name) {
          case "segment":
            handles.push(tracer.beginSegment(a, b === undefined ? undefined : { traceHeader: b }));
            break;
          case "sub":
            if (h) handles.push(h.beginSubsegment(b, c));
            break;
          case "annotate":
            h?.addAnnotation(b, c);
            break;
          case "metadata":
            h?.addMetadata(b, c, d);
            break;
          case "error":
            h?.addError(b, c);
            break;
          case "http":
            h?.setHttp(b);
            break;
          case "aws":
            h?.setAws(b);
            break;
          case "sql":
            h?.setSql(b);
            break;
          case "user":
            if (h && "setUser" in h) h.setUser(b);
            break;
          case "flag":
            if (h) [() => h.addFaultFlag(), () => h.addErrorFlag(), () => h.addThrottleFlag()][b as number]!();
            break;
          case "read":
            if (h) {
              assert.match(h.id, /^[0-9a-f]{16}$/);
              assert.match(h.traceId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
              assert.match(h.traceHeader, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=[01]/);
            }
            break;
          case "close":
            h?.close();
            break;
          default:
            void tracer.flush();
        }
      }
      for (const h of handles) h.close();
      const s = tracer.stats();
      assert.is(x.liveNodes(), 0, "every entity freed once every one closed");
      assert.is(s.entitiesBegun, s.entitiesSent + s.entitiesFailed, "every entity begun was sent or counted lost");
      assert.is(s.failed, 0, "nothing lost: the emitter never threw");
      assert.ok(x.memoryBytes() <= memoryAtStart + 8 * 1024 * 1024, `wasm memory ${x.memoryBytes()}`);
    }),
    { numRuns: 400, verbose: 1 },
  );
});

test.run();
