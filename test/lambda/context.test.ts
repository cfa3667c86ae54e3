/**
 * The context (AsyncLocalStorage) under traceHandler, in process with an in-memory emitter:
 * captures find their parent across awaits, timers, concurrent promises and nesting; explicit
 * parents work without it; a missing context does what AWS_XRAY_CONTEXT_MISSING says.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryEmitter } from "../../adapters/host/index.ts";
import { traceHandler, capture, captureAsync, getSegment } from "../../adapters/lambda/index.ts";
import { registry } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";
import { newHeader } from "./helpers.ts";

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quiet = { warn() {} };

/** Runs `fn` as one invocation under a fresh header; returns the invocation's document. */
async function invoke<R>(fn: () => Promise<R>): Promise<{ doc: Record<string, any>; result: R }> {
  const emitter = new MemoryEmitter();
  const h = newHeader();
  process.env._X_AMZN_TRACE_ID = h.header;
  const handler = traceHandler(async (_event: unknown, _context: unknown) => fn(), {
    emitter,
    logger: quiet,
    name: "ctx",
    captureResponse: false,
  });
  const result = await handler({}, {});
  delete process.env._X_AMZN_TRACE_ID;
  const docs = emitter.documents();
  assert.is(docs.length, 1, "one document per invocation");
  assert.is(docs[0]!.trace_id, h.root);
  return { doc: docs[0]!, result };
}

/** name → names of its children, over the whole document tree. */
function tree(doc: Record<string, any>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const walk = (d: Record<string, any>) => {
    out[d.name] = (d.subsegments ?? []).map((s: any) => s.name).sort();
    for (const s of d.subsegments ?? []) walk(s);
  };
  walk(doc);
  return out;
}

test("across awaits, timers and concurrent promises, each capture's parent is the capture it runs in", async () => {
  const { doc } = await invoke(async () => {
    await Promise.all(
      ["a", "b", "c"].map((name, i) =>
        captureAsync(name, async () => {
          await pause(3 - i); // finish in the reverse order of their start
          await new Promise<void>((resolve) =>
            setTimeout(() => {
              capture(`${name}.timer`, () => undefined);
              resolve();
            }, 1),
          );
          await captureAsync(`${name}.inner`, async () => {
            await pause(1);
            capture(`${name}.inner.leaf`, () => undefined);
          });
        }),
      ),
    );
  });
  assert.equal(tree(doc), {
    "## ctx": ["a", "b", "c"],
    a: ["a.inner", "a.timer"],
    b: ["b.inner", "b.timer"],
    c: ["c.inner", "c.timer"],
    "a.inner": ["a.inner.leaf"],
    "b.inner": ["b.inner.leaf"],
    "c.inner": ["c.inner.leaf"],
    "a.timer": [],
    "b.timer": [],
    "c.timer": [],
    "a.inner.leaf": [],
    "b.inner.leaf": [],
    "c.inner.leaf": [],
  });
});

test("concurrent invocations keep their own context", async () => {
  const emitter = new MemoryEmitter();
  const h = [newHeader(), newHeader()];
  // Each invocation reads its header at its start; the env is set just before each call.
  const handler = traceHandler(
    async (event: { n: string }, _context: unknown) => {
      await pause(event.n === "first" ? 5 : 1);
      capture(`work-${event.n}`, () => undefined);
    },
    { emitter, logger: quiet, name: "both" },
  );
  process.env._X_AMZN_TRACE_ID = h[0]!.header;
  const first = handler({ n: "first" }, {});
  process.env._X_AMZN_TRACE_ID = h[1]!.header;
  const second = handler({ n: "second" }, {});
  await Promise.all([first, second]);
  delete process.env._X_AMZN_TRACE_ID;
  const byTrace = Object.fromEntries(emitter.documents().map((d) => [d.trace_id, d.subsegments.map((s: any) => s.name)]));
  assert.equal(byTrace, { [h[0]!.root]: ["work-first"], [h[1]!.root]: ["work-second"] });
});

test("the callback receives the open subsegment; it closes when the function returns or settles; errors are recorded and rethrown", async () => {
  const boom = new RangeError("boom");
  const { doc } = await invoke(async () => {
    const got = capture("sync", (sub) => {
      assert.is(getSegment(), sub, "inside capture the subsegment is the current segment");
      return "value";
    });
    assert.is(got, "value");
    try {
      capture("throws", () => {
        throw boom;
      });
      assert.unreachable("capture must rethrow");
    } catch (error) {
      assert.is(error, boom);
    }
    await captureAsync("rejects", async () => {
      await pause(6);
      throw boom;
    }).then(
      () => assert.unreachable("captureAsync must reject"),
      (error) => assert.is(error, boom),
    );
  });
  const subs = Object.fromEntries(doc.subsegments.map((s: any) => [s.name, s]));
  assert.is(subs.sync.fault, undefined);
  assert.is(subs.throws.fault, true);
  assert.is(subs.throws.cause.exceptions[0].type, "RangeError");
  assert.is(subs.rejects.fault, true);
  assert.ok(subs.rejects.end_time - subs.rejects.start_time >= 0.004, "closed after it settled, not when it was called");
});

test("captureAsync turns a synchronous throw into its rejection and takes plain values and thenables", async () => {
  const boom = new TypeError("sync");
  const { doc } = await invoke(async () => {
    const rejected = captureAsync("sync-throw", () => {
      throw boom;
    });
    assert.instance(rejected, Promise, "no synchronous throw into the caller");
    await rejected.then(
      () => assert.unreachable("captureAsync must reject"),
      (error) => assert.is(error, boom),
    );
    assert.is(await captureAsync("plain", () => 7), 7);
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is no Promise, on purpose
    const thenable = { then: (ok: (v: string) => void) => setTimeout(() => ok("later"), 2) };
    assert.is(await captureAsync("thenable", () => thenable as unknown as PromiseLike<string>), "later");
  });
  const subs = Object.fromEntries(doc.subsegments.map((s: any) => [s.name, s]));
  assert.is(subs["sync-throw"].fault, true);
  assert.is(subs["sync-throw"].cause.exceptions[0].type, "TypeError");
  assert.is(subs.plain.fault, undefined);
  assert.ok(subs.thenable.end_time - subs.thenable.start_time >= 0.001, "closed when the thenable settled");
});

test("work the handler leaves running after it returns still finds its segment", async () => {
  let inside: unknown;
  let later: unknown = "not run";
  let ran!: () => void;
  const done = new Promise<void>((r) => (ran = r));
  await invoke(async () => {
    inside = getSegment();
    setTimeout(() => {
      later = getSegment();
      ran();
    }, 1);
  });
  await done;
  assert.type(inside, "object");
  assert.is(later, inside, "the context outlives the invocation: the storage is not disabled between invocations");
});

test("an explicit parent works where the context does not reach", async () => {
  let parent: ReturnType<typeof getSegment>;
  const { doc } = await invoke(async () => {
    parent = getSegment();
    return undefined;
  });
  // After the invocation, outside any context: the explicit parent is used and nothing complains.
  assert.is(doc.subsegments, undefined);
  const emitter = new MemoryEmitter();
  const h = newHeader();
  process.env._X_AMZN_TRACE_ID = h.header;
  await traceHandler(
    async (_event: unknown, _context: unknown) => {
      const explicit = getSegment()!;
      await new Promise<void>((resolve) =>
        queueMicrotask(() => {
          capture("explicit", () => undefined, explicit);
          resolve();
        }),
      );
    },
    { emitter, logger: quiet, name: "explicit" },
  )({}, {});
  delete process.env._X_AMZN_TRACE_ID;
  assert.equal(
    emitter.documents()[0]!.subsegments.map((s: any) => s.name),
    ["explicit"],
  );
  assert.ok(parent !== undefined);
});

test("a traced handler is not traced twice (the custom runtime wraps what it loads)", async () => {
  const emitter = new MemoryEmitter();
  const once = traceHandler(async (_event: unknown, _context: unknown) => "r", { emitter, logger: quiet, name: "once" });
  const twice = traceHandler(once, { emitter, logger: quiet, name: "twice" });
  assert.is(twice, once);
  const h = newHeader();
  process.env._X_AMZN_TRACE_ID = h.header;
  assert.is(await twice({}, {}), "r");
  delete process.env._X_AMZN_TRACE_ID;
  assert.equal(
    emitter.documents().map((d) => d.name),
    ["## once"],
  );
});

test("AWS_XRAY_CONTEXT_MISSING: LOG_ERROR says it once, RUNTIME_ERROR throws, IGNORE_ERROR says nothing; the function still runs", () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (m: string) => errors.push(m);
  // The settings each value loads (test/faults checks the loading itself, in fresh processes).
  const saved = registry().settings;
  const load = (value: string) => (registry().settings = readSettings({ AWS_XRAY_CONTEXT_MISSING: value }));
  try {
    load("LOG_ERROR");
    assert.is(getSegment(), undefined);
    assert.is(getSegment(), undefined);
    assert.is(
      capture("outside", (sub) => (sub.addAnnotation("k", 1), sub.traceHeader)),
      "",
      "an inert subsegment: no header",
    );
    assert.is(errors.filter((e) => e.includes("getSegment: no segment in context")).length, 1, errors.join("\n"));
    load("RUNTIME_ERROR");
    assert.throws(() => getSegment(), /no segment in context.*RUNTIME_ERROR/);
    load("IGNORE_ERROR");
    const before = errors.length;
    assert.is(
      capture("ignored", () => 5),
      5,
    );
    assert.is(errors.length, before);
  } finally {
    console.error = original;
    registry().settings = saved;
  }
});

test.run();
