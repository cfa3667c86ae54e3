/**
 * The conformance suites: one module that takes the implementation under test, so the same
 * vectors run on every runtime (test/conformance/node.test.ts and the runners in test/runtimes/).
 * It imports nothing runtime-specific; what a runtime cannot do is asked of test/runtimes/env.ts,
 * and the test for it runs only where the runtime can (elsewhere: what the library does instead).
 */
import * as assert from "uvu/assert";
import type { suite as uvuSuite } from "uvu";
import headerVectors from "./headers.json" with { type: "json" };
import encodingVectors from "./encoding.json" with { type: "json" };
import { runOps, sequentialEntropy, fixedEntropy, scriptedClock, type Op, type TracerLike } from "./ops.ts";
import { CAPABILITIES, probe, runtimeLabel, supports } from "../runtimes/env.ts";

/**
 * What the suites need of an implementation, structurally: the sources (Node runner) and the
 * built bundle (Bun, Deno and workerd runners) both fit.
 */
export interface Lib {
  DAEMON_HEADER: string;
  MemoryEmitter: new () => { send(d: Uint8Array): void; flush(): Promise<void>; texts(): string[] };
  createXRay(options?: { module?: WebAssembly.Module; entropy?: (bytes: Uint8Array<ArrayBuffer>) => void; clock?: () => number }): Core;
  Sampler: new (options?: {
    rules?: object | string;
    xray?: any;
  }) => { shouldSample(request?: object): { sampled: boolean; rule: string } };
  Tracer: new (options?: Record<string, unknown>) => TracerLike;
}

/** A core made by createXRay, as the suites use it. */
interface Core {
  parseTraceHeader(header: string): unknown;
  formatTraceHeader(header: never): string;
  newTraceId(): string;
  newSegmentId(): string;
  liveNodes(): number;
}

/** A file beside this module, as a path (the runtimes that read files run the sources from disk). */
const besideThis = (name: string) => decodeURIComponent(new URL(name, import.meta.url).pathname);

export default function conformance(suite: typeof uvuSuite, lib: Lib): void {
  environment(suite);
  headers(suite, lib);
  ids(suite, lib);
  sampling(suite, lib);
  encoding(suite, lib);
}

/** The declarations of test/runtimes/env.ts hold on this runtime: each capability is tried. */
function environment(suite: typeof uvuSuite): void {
  const s = suite(`conformance: runtime environment (${runtimeLabel})`);
  for (const capability of CAPABILITIES) {
    s(`${capability}: ${supports(capability) ? "supported" : "not supported"}, as declared`, async () => {
      assert.is(await probe(capability), supports(capability), `${capability} on ${runtimeLabel}`);
    });
  }
  s.run();
}

function headers(suite: typeof uvuSuite, lib: Lib): void {
  const s = suite("conformance: trace headers");
  const x = lib.createXRay();
  for (const c of headerVectors.cases) {
    s(c.name, () => {
      const parsed = x.parseTraceHeader(c.input);
      assert.equal(parsed ?? null, c.expected, `parse ${JSON.stringify(c.input)}`);
      if (parsed && "canonical" in c) {
        assert.is(x.formatTraceHeader(parsed as never), c.canonical);
        const again = x.parseTraceHeader(c.canonical as string);
        assert.ok(again, "the canonical form parses");
        assert.is(x.formatTraceHeader(again as never), c.canonical, "formatting is idempotent");
      }
    });
  }
  s.run();
}

function ids(suite: typeof uvuSuite, lib: Lib): void {
  const s = suite("conformance: IDs");
  s("IDs are the entropy stream's bytes in hex", () => {
    const x = lib.createXRay({ entropy: sequentialEntropy(), clock: () => 1700000000.9 });
    assert.is(x.newSegmentId(), "0102030405060708");
    assert.is(x.newSegmentId(), "090a0b0c0d0e0f10");
    assert.is(x.newTraceId(), "1-6553f100-1112131415161718191a1b1c");
  });
  s("a segment ID is never all zero: zero draws are skipped", () => {
    let calls = 0;
    const x = lib.createXRay({
      entropy: (bytes) => (calls++ === 0 ? bytes.fill(0) : sequentialEntropy()(bytes)),
    });
    assert.is(x.newSegmentId(), "0102030405060708");
    assert.is(calls, 2, "the all-zero pool was drained, then refilled");
  });
  s("trace ID seconds are clamped to 8 hex digits", () => {
    assert.is(lib.createXRay({ entropy: sequentialEntropy(), clock: () => -5 }).newTraceId(), "1-00000000-0102030405060708090a0b0c");
    assert.is(lib.createXRay({ entropy: sequentialEntropy(), clock: () => 2 ** 40 }).newTraceId(), "1-ffffffff-0102030405060708090a0b0c");
  });
  if (supports("wasmFromBytes") && supports("fileSystem")) {
    // workerd compiles no wasm from bytes: there the embedded module is the one workerd imported.
    s("a core compiled at run time from core.wasm's bytes (createXRay({ module }))", () => {
      const fs = (
        globalThis as unknown as { process: { getBuiltinModule(id: string): { readFileSync(path: string): Uint8Array<ArrayBuffer> } } }
      ).process.getBuiltinModule("node:fs");
      const module = new WebAssembly.Module(fs.readFileSync(besideThis("../../core/core.wasm")));
      const x = lib.createXRay({ module, entropy: sequentialEntropy(), clock: () => 1700000000.9 });
      assert.is(x.newSegmentId(), "0102030405060708");
      assert.is(x.newTraceId(), "1-6553f100-090a0b0c0d0e0f1011121314");
      assert.equal(x.parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"), {
        root: "1-5759e988-bd862e3fe1be46a994272793",
        extra: {},
        sampled: true,
      });
    });
  }
  s.run();
}

/** Decisions for one request after another: [time, request?] → expected sampled. */
function decide(lib: Lib, rules: object | undefined, entropyByte: number, requests: [number, object?][]): boolean[] {
  let now = 0;
  const x = lib.createXRay({ entropy: fixedEntropy(entropyByte), clock: () => now });
  const sampler = new lib.Sampler({ xray: x, ...(rules ? { rules } : {}) });
  return requests.map(([t, request]) => {
    now = t;
    return sampler.shouldSample(request as never).sampled;
  });
}

function sampling(suite: typeof uvuSuite, lib: Lib): void {
  const s = suite("conformance: sampling");
  const v2 = (rules: object[], def = { fixed_target: 0, rate: 0 }) => ({ version: 2, rules, default: def });
  s("default rule: the first request each second, then 5% (entropy 0xff never falls under 5%)", () => {
    assert.equal(decide(lib, undefined, 0xff, [[100.0], [100.5], [100.99], [101.0], [101.2], [102.7]]), [
      true,
      false,
      false,
      true,
      false,
      true,
    ]);
  });
  s("default rule: past the reservoir, a draw under 5% samples (entropy 0x00)", () => {
    assert.equal(decide(lib, undefined, 0x00, [[100.0], [100.5], [100.6]]), [true, true, true]);
  });
  s("rate boundary: a draw of 0x7fffffff is under 0.5, 0x80000000 is not", () => {
    const rules = v2([], { fixed_target: 0, rate: 0.5 });
    assert.equal(decide(lib, rules, 0x7f, [[1]]), [true], "0x7f7f7f7f < 2^31");
    const x = lib.createXRay({
      entropy: (b) => {
        for (let i = 0; i < b.length; i += 4) {
          b[i] = 0x7f;
          b[i + 1] = 0xff;
          b[i + 2] = 0xff;
          b[i + 3] = 0xff;
        }
      },
      clock: () => 1,
    });
    assert.is(new lib.Sampler({ xray: x, rules }).shouldSample().sampled, true);
    const y = lib.createXRay({
      entropy: (b) => {
        for (let i = 0; i < b.length; i += 4) {
          b[i] = 0x80;
          b[i + 1] = 0;
          b[i + 2] = 0;
          b[i + 3] = 0;
        }
      },
      clock: () => 1,
    });
    assert.is(new lib.Sampler({ xray: y, rules }).shouldSample().sampled, false);
  });
  s("fixed_target counts requests per second", () => {
    const rules = v2([], { fixed_target: 3, rate: 0 });
    assert.equal(decide(lib, rules, 0x00, [[5.0], [5.1], [5.2], [5.3], [6.0], [6.1]]), [true, true, true, false, true, true]);
  });
  s("rate 1 samples everything, rate 0 and no reservoir nothing", () => {
    assert.equal(decide(lib, v2([], { fixed_target: 0, rate: 1 }), 0xff, [[1], [1], [1]]), [true, true, true]);
    assert.equal(decide(lib, v2([], { fixed_target: 0, rate: 0 }), 0x00, [[1], [1]]), [false, false]);
  });
  s("rules in file order, the default last, names reported", () => {
    const x = lib.createXRay({ entropy: fixedEntropy(0xff), clock: () => 1 });
    const sampler = new lib.Sampler({
      xray: x,
      rules: v2([
        { description: "health", host: "*", http_method: "GET", url_path: "/health", fixed_target: 0, rate: 0 },
        { description: "api", host: "api.example.com", http_method: "*", url_path: "/v?/*", fixed_target: 0, rate: 1 },
        { host: "*", http_method: "POST", url_path: "*", fixed_target: 0, rate: 1 },
      ]),
    });
    assert.equal(sampler.shouldSample({ host: "api.example.com", method: "GET", urlPath: "/health" }), { sampled: false, rule: "health" });
    assert.equal(sampler.shouldSample({ host: "API.Example.COM", method: "get", urlPath: "/V1/orders/7" }), { sampled: true, rule: "api" });
    assert.equal(
      sampler.shouldSample({ host: "api.example.com", method: "GET", urlPath: "/v10/orders" }),
      { sampled: false, rule: "default" },
      "? is exactly one character",
    );
    assert.equal(sampler.shouldSample({ host: "other", method: "POST", urlPath: "/x" }), { sampled: true, rule: "rules[2]" });
    assert.equal(sampler.shouldSample({ host: "other", method: "PUT", urlPath: "/x" }), { sampled: false, rule: "default" });
  });
  s("an absent request attribute matches any pattern", () => {
    const x = lib.createXRay({ entropy: fixedEntropy(0xff), clock: () => 1 });
    const sampler = new lib.Sampler({
      xray: x,
      rules: v2([{ description: "r", host: "a.com", http_method: "GET", url_path: "/x", fixed_target: 0, rate: 1 }]),
    });
    assert.is(sampler.shouldSample({}).rule, "r");
    assert.is(sampler.shouldSample({ urlPath: "/y" }).rule, "default");
    assert.is(sampler.shouldSample({ host: "" }).rule, "default", "an empty string is present and must match");
  });
  s("version 1: service_name matches the host", () => {
    const x = lib.createXRay({ entropy: fixedEntropy(0xff), clock: () => 1 });
    const sampler = new lib.Sampler({
      xray: x,
      rules: {
        version: 1,
        rules: [{ description: "orders", service_name: "orders-*", http_method: "*", url_path: "*", fixed_target: 0, rate: 1 }],
        default: { fixed_target: 0, rate: 0 },
      },
    });
    assert.is(sampler.shouldSample({ host: "orders-eu" }).rule, "orders");
    assert.is(sampler.shouldSample({ host: "billing" }).rule, "default");
  });
  s("wildcards: * spans any run, ? one character, also non-ASCII", () => {
    const x = lib.createXRay({ entropy: fixedEntropy(0xff), clock: () => 1 });
    const rule = (url_path: string) =>
      new lib.Sampler({ xray: x, rules: v2([{ description: "m", host: "*", http_method: "*", url_path, fixed_target: 0, rate: 1 }]) });
    assert.is(rule("*a*b*").shouldSample({ urlPath: "xxaxxbxx" }).rule, "m");
    assert.is(rule("*a*b").shouldSample({ urlPath: "xxaxxbxx" }).rule, "default");
    assert.is(rule("/caf?").shouldSample({ urlPath: "/café" }).rule, "m");
    assert.is(rule("/caf?").shouldSample({ urlPath: "/cafés" }).rule, "default");
    assert.is(rule("").shouldSample({ urlPath: "" }).rule, "m");
    assert.is(rule("***").shouldSample({ urlPath: "" }).rule, "m");
  });
  const invalid: [string, unknown, RegExp][] = [
    ["no version", { rules: [], default: { fixed_target: 1, rate: 0.1 } }, /"version" must be 1 or 2/],
    ["version 3", { version: 3, default: { fixed_target: 1, rate: 0.1 } }, /"version" must be 1 or 2, got 3/],
    ["no default", { version: 2, rules: [] }, /default must be an object with fixed_target, rate/],
    ["default without rate", { version: 2, default: { fixed_target: 1 } }, /default has no "rate"/],
    [
      "default with a host",
      { version: 2, default: { fixed_target: 1, rate: 0.1, host: "*" } },
      /default has unknown field "host" \(expected: fixed_target, rate\)/,
    ],
    [
      "v2 rule without rate",
      { version: 2, rules: [{ host: "*", http_method: "*", url_path: "*", fixed_target: 1 }], default: { fixed_target: 1, rate: 0.1 } },
      /rules\[0\] has no "rate" \(expected: host, http_method, url_path, fixed_target, rate, description\)/,
    ],
    [
      "v2 rule with service_name",
      {
        version: 2,
        rules: [{ service_name: "*", http_method: "*", url_path: "*", fixed_target: 1, rate: 0.1 }],
        default: { fixed_target: 1, rate: 0.1 },
      },
      /rules\[0\] has unknown field "service_name"/,
    ],
    [
      "v1 rule with host",
      {
        version: 1,
        rules: [{ host: "*", http_method: "*", url_path: "*", fixed_target: 1, rate: 0.1 }],
        default: { fixed_target: 1, rate: 0.1 },
      },
      /rules\[0\] has unknown field "host"/,
    ],
    ["rate above 1", { version: 2, rules: [], default: { fixed_target: 1, rate: 1.5 } }, /"rate" must be a number from 0 to 1, got 1.5/],
    ["negative fixed_target", { version: 2, default: { fixed_target: -1, rate: 0.1 } }, /"fixed_target" must be a non-negative integer/],
    [
      "fractional fixed_target",
      {
        version: 2,
        rules: [{ host: "*", http_method: "*", url_path: "*", fixed_target: 0.5, rate: 0 }],
        default: { fixed_target: 1, rate: 0.1 },
      },
      /rules\[0\] "fixed_target" must be a non-negative integer/,
    ],
    [
      "pattern not a string",
      {
        version: 2,
        rules: [{ host: 7, http_method: "*", url_path: "*", fixed_target: 0, rate: 0 }],
        default: { fixed_target: 1, rate: 0.1 },
      },
      /rules\[0\] "host" must be a string pattern/,
    ],
    ["rules not an array", { version: 2, rules: {}, default: { fixed_target: 1, rate: 0.1 } }, /"rules" must be an array/],
    ["JSON text that is not JSON", "{ version: 2 }", /is not valid JSON/],
    // A typo at the top must not silently drop every rule.
    [
      "an unknown top-level key",
      { version: 2, rule: [], default: { fixed_target: 1, rate: 0.1 } },
      /document has unknown field "rule" \(expected: version, default, rules\)/,
    ],
    // The core counts reservoirs in i32: 2^31 would wrap to a negative target.
    [
      "fixed_target of 2^31",
      { version: 2, default: { fixed_target: 2 ** 31, rate: 0.1 } },
      /"fixed_target" must be a non-negative integer \(requests per second\) at most 2147483647, got 2147483648/,
    ],
    [
      "a pattern over 4,096 bytes (refused, never cut: a cut pattern matches the wrong requests)",
      {
        version: 2,
        rules: [{ host: "*", http_method: "*", url_path: `/${"a".repeat(4096)}`, fixed_target: 0, rate: 0 }],
        default: { fixed_target: 1, rate: 0.1 },
      },
      /rules\[0\] "url_path" is 4097 bytes: patterns are at most 4096 bytes/,
    ],
    ["a JSON array", "[]", /document is an array: a rules document is an object/],
  ];
  s("JSON text with a byte-order mark is accepted", () => {
    const x = lib.createXRay({ entropy: fixedEntropy(0xff), clock: () => 1 });
    const text = `\uFEFF${JSON.stringify(v2([{ description: "bom", host: "*", http_method: "*", url_path: "/b", fixed_target: 0, rate: 1 }]))}`;
    assert.is(new lib.Sampler({ xray: x, rules: text }).shouldSample({ urlPath: "/b" }).rule, "bom");
  });
  if (supports("fileSystem")) {
    s("rules from a file path", () => {
      const x = lib.createXRay({ entropy: fixedEntropy(0xff), clock: () => 1 });
      const sampler = new lib.Sampler({ xray: x, rules: besideThis("./sampling-rules.json") });
      assert.equal(sampler.shouldSample({ method: "GET", urlPath: "/from-file" }), { sampled: true, rule: "from-file" });
      assert.equal(sampler.shouldSample({ method: "GET", urlPath: "/elsewhere" }), { sampled: false, rule: "default" });
    });
    s("a rules file that cannot be read throws at construction, naming the path", () => {
      const x = lib.createXRay();
      assert.throws(() => new lib.Sampler({ xray: x, rules: besideThis("./no-such-rules.json") }), /no-such-rules\.json" cannot be read: /);
    });
  } else {
    s("where the host's files cannot be read, a rules path throws at construction, saying so", () => {
      const x = lib.createXRay();
      assert.throws(() => new lib.Sampler({ xray: x, rules: "sampling-rules.json" }), /"sampling-rules\.json" cannot be read/);
    });
  }
  for (const [name, rules, message] of invalid) {
    s(`invalid rules throw at construction: ${name}`, () => {
      const x = lib.createXRay();
      assert.throws(() => new lib.Sampler({ xray: x, rules: rules as object }), message);
    });
  }
  s.run();
}

function encoding(suite: typeof uvuSuite, lib: Lib): void {
  const s = suite("conformance: encoding");
  for (const c of encodingVectors.cases) {
    s(c.name, () => {
      const emitter = new lib.MemoryEmitter();
      const x = lib.createXRay({ entropy: sequentialEntropy(), clock: scriptedClock(c.clock) });
      const tracer = new lib.Tracer({ xray: x, emitter, logger: { warn() {} }, ...(("tracer" in c ? c.tracer : {}) as object) });
      runOps(tracer, c.ops as Op[]);
      const texts = emitter.texts();
      assert.is(texts.length, c.expected.length, "datagram count");
      for (const [i, doc] of c.expected.entries()) assert.fixture(texts[i]!, lib.DAEMON_HEADER + doc);
      assert.is(x.liveNodes(), 0, "every node was freed");
    });
  }
  s("cause.working_directory: process.cwd() where the runtime has one, else left out", () => {
    const emitter = new lib.MemoryEmitter();
    const x = lib.createXRay({ entropy: sequentialEntropy(), clock: () => 1700000000 });
    const tracer = new lib.Tracer({ xray: x, emitter, logger: { warn() {} } });
    const segment = tracer.beginSegment("s", { traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" });
    segment.addError(new Error("boom"));
    segment.close();
    const doc = JSON.parse(emitter.texts()[0]!.slice(lib.DAEMON_HEADER.length));
    if (supports("processCwd"))
      assert.is(doc.cause.working_directory, (globalThis as unknown as { process: { cwd(): string } }).process.cwd());
    else assert.not.ok("working_directory" in doc.cause, JSON.stringify(doc.cause));
    assert.is(doc.cause.exceptions[0].message, "boom");
  });
  s.run();
}
