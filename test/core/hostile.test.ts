import { test } from "uvu";
import * as assert from "uvu/assert";
import { createXRay, MemoryEmitter, Sampler, Tracer } from "../../adapters/host/index.ts";
import { validateDatagram } from "../../core/validate.ts";
import { recordingLogger, SAMPLED, setup } from "./helpers.ts";

// What an attacker or an unlucky user hands the recording methods and the constructors. Each case
// was seen to throw, to be lost, or to make a document our own validator rejects.

/** Every datagram the emitter got, checked by the validator; the documents. */
function valid(emitter: MemoryEmitter): Record<string, any>[] {
  for (const d of emitter.datagrams) assert.equal(validateDatagram(d).violations, [], new TextDecoder().decode(d).slice(0, 300));
  return emitter.documents();
}

const hostile: [string, () => unknown][] = [
  ["Object.create(null)", () => Object.create(null)],
  [
    "a Proxy that throws on every trap",
    () =>
      new Proxy(
        {},
        {
          get: () => {
            throw new Error("trap");
          },
          ownKeys: () => {
            throw new Error("trap");
          },
          getPrototypeOf: () => {
            throw new Error("trap");
          },
        },
      ),
  ],
  [
    "a throwing toString",
    () => ({
      toString: () => {
        throw new Error("toString");
      },
      toJSON: () => {
        throw new Error("toJSON");
      },
    }),
  ],
  ["a symbol", () => Symbol("s")],
  ["a BigInt", () => 10n],
  ["null", () => null],
  ["undefined", () => undefined],
  ["a number", () => 42],
  ["a string", () => "text"],
  ["an array", () => [1, 2]],
  ["a function", () => () => 1],
];

test("recording methods take any value without throwing, refuse what is not theirs, and leave a valid document", () => {
  for (const [label, make] of hostile) {
    const { tracer, emitter } = setup({ logger: { warn() {} } });
    const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
    const v = make() as never;
    s.setUser(v);
    s.setHttp(v);
    s.setAws(v);
    s.setSql(v);
    s.addAnnotation(v, v);
    s.addAnnotation("k", v);
    s.addMetadata(v, v);
    s.addMetadata("k", v, v);
    s.addError(v, v);
    const sub = s.beginSubsegment(v, v);
    sub.setHttp({ request: v, response: v } as never);
    sub.close();
    s.close();
    const docs = valid(emitter);
    assert.is(docs.length, 1, label);
    assert.is(docs[0]!.fault, true, `${label}: addError always sets fault`);
    assert.is(docs[0]!.subsegments.length, 1, label);
  }
});

test('setUser, setHttp, setAws and setSql refuse what would not be valid (was: "http":null sent)', () => {
  const { tracer, emitter } = setup({ logger: { warn() {} } });
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  s.setHttp(null as never);
  s.setAws("x" as never);
  s.setSql([1] as never);
  s.setUser(5 as never);
  s.setAws({ toJSON: () => "not an object" });
  s.close();
  const doc = valid(emitter)[0]!;
  for (const key of ["http", "aws", "sql", "user"]) assert.is(doc[key], undefined, key);
  assert.is(tracer.stats().refused, 5);
});

test("http fields of the wrong type are dropped, the rest kept in order; the status sets the flags", () => {
  const { tracer, emitter } = setup({ logger: { warn() {} } });
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  s.setHttp({ request: { method: 5, url: "https://a/b", traced: "yes" }, response: { status: 503, content_length: -1 } } as never);
  s.close();
  const doc = valid(emitter)[0]!;
  assert.equal(doc.http, { request: { url: "https://a/b" }, response: { status: 503 } });
  assert.is(doc.fault, true);
  assert.is(tracer.stats().refused, 3);
});

test("a user over 250 characters is cut to 250 (the schema's limit)", () => {
  const { tracer, emitter } = setup();
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  s.setUser("u".repeat(300));
  s.close();
  assert.is(valid(emitter)[0]!.user, "u".repeat(250));
});

test("getters never throw, whatever the clock does; the system clock stands in, said once", () => {
  for (const clock of [
    () => {
      throw new Error("clock");
    },
    () => Number.NaN,
    () => "soon" as never,
  ]) {
    const logger = recordingLogger();
    const { tracer, emitter } = setup({ clock, logger });
    const unsampled = tracer.beginSegment("u", { traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0" });
    const fresh = new Tracer({
      xray: createXRay(),
      clock,
      logger: { warn() {} },
      sampler: { shouldSample: () => ({ sampled: false, rule: "no" }) },
    }).beginSegment("n");
    assert.match(fresh.traceId, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.match(fresh.traceHeader, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
    assert.match(unsampled.traceHeader, /Sampled=0/);
    const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
    s.beginSubsegment("c").close();
    s.close();
    const doc = valid(emitter)[0]!;
    assert.ok(Math.abs(doc.start_time - Date.now() / 1000) < 3600, "a real time");
    assert.is(logger.messages.filter((m) => m.includes("clock")).length, 1);
    assert.ok(tracer.stats().internal >= 1);
  }
});

test("an error whose fields cannot be read is recorded as far as it can be, with the fault flag", () => {
  const { tracer, emitter } = setup({ logger: { warn() {} } });
  const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
  const error = new Error("x");
  Object.defineProperty(error, "stack", {
    get: () => {
      throw new Error("no");
    },
  });
  Object.defineProperty(error, "message", {
    get: () => {
      throw new Error("no");
    },
  });
  Object.defineProperty(error, "name", {
    get: () => {
      throw new Error("no");
    },
  });
  Object.defineProperty(error, "cause", {
    get: () => {
      throw new Error("no");
    },
  });
  s.addError(error);
  const named = new TypeError("m".repeat(5000));
  s.addError(named);
  s.close();
  const doc = valid(emitter)[0]!;
  assert.is(doc.fault, true);
  const [first, second] = doc.cause.exceptions;
  assert.is(first.type, "Error");
  assert.is(first.message, "");
  assert.is(second.type, "TypeError");
  assert.is(second.message.length, 2048);
});

test("a working directory and stack paths of any length are cut, and the document stays valid JSON (was: invalid past ~4 KB)", () => {
  for (const dir of ["/d".repeat(5000), `/"quoted"\\and\u0001control`, "/ünï/😀".repeat(400)]) {
    const { tracer, emitter } = setup({ workingDirectory: dir });
    const s = tracer.beginSegment("s", { traceHeader: SAMPLED });
    const e = new Error("boom");
    e.stack = `Error: boom\n    at fn (${"/p".repeat(10000)}/file.js:1:2)\n    at ${"x".repeat(9000)}:3:4`;
    s.addError(e);
    s.close();
    const doc = valid(emitter)[0]!;
    assert.ok([...doc.cause.working_directory].length <= 1024);
    assert.ok(dir.startsWith(doc.cause.working_directory.slice(0, 10)) || doc.cause.working_directory.length > 0);
    for (const frame of doc.cause.exceptions[0].stack) assert.ok(frame.path.length <= 1024);
  }
});

test("options are checked at construction, naming the option and its form (was: accepted, failing later)", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ emitter: {} }, /new Tracer: option "emitter" must be an Emitter/],
    [{ clock: 5 }, /new Tracer: option "clock" must be a function/],
    [{ sampler: {} }, /new Tracer: option "sampler" must be a SamplingStrategy/],
    [{ origin: 10n }, /new Tracer: option "origin" must be a string, got 10n/],
    [{ service: "svc" }, /new Tracer: option "service" must be an object/],
    [{ service: { version: 1 } }, /option "service.version" must be a string/],
    [{ logger: console.log }, /option "logger" must be a Logger/],
    [{ serviceName: 1 }, /option "serviceName" must be a string/],
    [{ workingDirectory: {} }, /option "workingDirectory" must be a string/],
    [{ xray: {} }, /option "xray" must be a core made by createXRay/],
  ];
  for (const [options, message] of cases) assert.throws(() => new Tracer(options as never), message);
  assert.throws(() => new Tracer(5 as never), /option "options" must be an object/);
  assert.throws(() => new Sampler({ clock: "now" } as never), /new Sampler: option "clock" must be a function/);
  assert.throws(() => new Sampler({ rules: 5 } as never), /new Sampler: option "rules" must be a rules document/);
  assert.throws(() => createXRay({ entropy: 1 } as never), /createXRay: option "entropy" must be a function/);
  assert.throws(() => createXRay({ module: {} } as never), /createXRay: option "module" must be a WebAssembly.Module/);
});

test("after any of this, stats() accounts for every entity: begun = sent + failed + still alive", () => {
  const x = createXRay();
  const emitter = new MemoryEmitter();
  let throwing = true;
  const tracer = new Tracer({
    xray: x,
    logger: { warn() {} },
    sampler: { shouldSample: () => ({ sampled: true, rule: "all" }) },
    emitter: {
      send(d) {
        if (throwing) {
          throwing = false;
          throw new Error("socket gone");
        }
        emitter.send(d);
      },
      flush: () => Promise.resolve(),
    },
  });
  const a = tracer.beginSegment("a");
  a.beginSubsegment("a1").close();
  a.close(); // the emitter throws: lost, counted
  const b = tracer.beginSegment("b");
  const open = b.beginSubsegment("still-open");
  b.close();
  const stats = tracer.stats();
  assert.is(stats.failed, 1);
  assert.is(stats.entitiesFailed, 2);
  assert.is(stats.entitiesSent, 1, "b; its open child went in progress");
  assert.is(stats.entitiesBegun, stats.entitiesSent + stats.entitiesFailed + x.liveNodes());
  open.close();
  assert.is(tracer.stats().entitiesSent, 2);
  assert.is(x.liveNodes(), 0);
});

test.run();
