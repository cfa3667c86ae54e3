/**
 * xray-edge/sdk-core's API in one process, against a UDP socket standing for the daemon: the
 * Lambda facade without a wrapper, the three losses of the issue's port (close(err), addError's
 * remote flag), the capture functions, the context-missing strategies, manual mode, setSegment and
 * the namespace, segments begun by hand, and the setters' checks. Expected values come from the
 * calls made here, never from the code under test.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import AWSXRay, {
  captureAsyncFunc,
  captureFunc,
  enableAutomaticMode,
  enableManualMode,
  getNamespace,
  getSegment,
  isAutomaticMode,
  resolveSegment,
  Segment,
  setContextMissingStrategy,
  setDaemonAddress,
  setLogger,
  setSegment,
  Subsegment,
} from "../../adapters/sdk-core/index.ts";
import { capture as nativeCapture } from "../../adapters/context/index.ts";
import { registry } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";
import { type Daemon, daemon, recordingLogger, type Said } from "./helpers.ts";

const H1 = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const H2 = "Root=1-5759e988-00000000000000000000000b;Parent=00000000000000b2;Sampled=1";
type Store = { getXRayTraceId: () => string | undefined };
const g = globalThis as { awslambda?: { InvokeStore?: Store } };

let d: Daemon;
const said: Said[] = [];

// The same outcome whatever the shell's environment: default settings, not in Lambda.
for (const name of ["AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING", "LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID"])
  delete process.env[name];
registry().settings = readSettings({});

test.before(async () => {
  d = await daemon();
  setDaemonAddress(d.address);
  setLogger(recordingLogger(said));
});
test.after(() => d.close());
test.before.each(() => {
  d.documents.length = 0;
  said.length = 0;
  delete process.env.LAMBDA_TASK_ROOT;
  delete process.env._X_AMZN_TRACE_ID;
  delete g.awslambda;
});

function inLambda(header: string | undefined, store?: string): void {
  process.env.LAMBDA_TASK_ROOT = "/var/task";
  if (header === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = header;
  if (store !== undefined) g.awslambda = { InvokeStore: { getXRayTraceId: () => store } };
}

test("the default export is the module object of the named exports", () => {
  assert.is(AWSXRay.getSegment, getSegment);
  assert.is(AWSXRay.captureFunc, captureFunc);
  assert.is(AWSXRay.Segment, Segment);
  assert.type(AWSXRay.middleware.setSamplingRules, "function");
  assert.type(AWSXRay.utils.processTraceData, "function");
});

test("Lambda, no wrapper: getSegment() is the facade of the header (InvokeStore first); each subsegment, nested too, is sent when it closes", async () => {
  inLambda(H2, H1);
  const facade = getSegment() as Segment;
  assert.ok(facade instanceof Segment && facade.facade, "a facade");
  assert.is(facade.trace_id, "1-5759e988-bd862e3fe1be46a994272793", "InvokeStore's header wins over _X_AMZN_TRACE_ID");
  assert.ok(facade.isClosed(), "a facade reads as closed, as the peer's");
  const sub = facade.addNewSubsegment("work");
  const inner = sub.addNewSubsegment("inner");
  inner.close();
  const [first] = await d.received(1);
  assert.equal(
    [first!.name, first!.type, first!.parent_id, first!.trace_id],
    ["inner", "subsegment", sub.id, "1-5759e988-bd862e3fe1be46a994272793"],
    "a nested subsegment is sent when it closes, as by the peer",
  );
  sub.close();
  const [, doc] = await d.received(2);
  assert.equal(
    [doc!.name, doc!.type, doc!.parent_id, doc!.trace_id, doc!.subsegments],
    ["work", "subsegment", "53995c3f42cd8ad8", "1-5759e988-bd862e3fe1be46a994272793", undefined],
  );
  assert.is(getSegment(), facade, "the same header: the same facade");
  delete g.awslambda; // the next invocation's header from _X_AMZN_TRACE_ID
  const next = getSegment() as Segment;
  assert.is.not(next, facade, "a new header: a new facade");
  assert.is(next.trace_id, "1-5759e988-00000000000000000000000b");
  next.addNewSubsegment("second").close();
  const docs = await d.received(3);
  assert.equal([docs[2]!.name, docs[2]!.parent_id], ["second", "00000000000000b2"]);
});

test("Lambda, concurrent invocations (InvokeStore per invocation): each subsegment stays in its own invocation's trace", async () => {
  inLambda(undefined);
  let current = H1;
  g.awslambda = { InvokeStore: { getXRayTraceId: () => current } };
  const first = getSegment()!.addNewSubsegment("first");
  current = H2;
  const second = getSegment()!.addNewSubsegment("second");
  current = H1;
  assert.is(getSegment(), first.segment, "the first invocation's facade again");
  second.close();
  first.close();
  const docs = await d.received(2);
  assert.equal(
    docs.map((x) => [x.name, x.trace_id, x.parent_id]),
    [
      ["second", "1-5759e988-00000000000000000000000b", "00000000000000b2"],
      ["first", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8"],
    ],
  );
});

test("AWS_XRAY_SDK_ENABLED=false: the same calls work and nothing is recorded, sent or instrumented", async () => {
  const saved = registry().settings;
  registry().settings = readSettings({ AWS_XRAY_SDK_ENABLED: "false" });
  try {
    // A header not seen before: the setting is read once per process, so a facade made earlier keeps its recording.
    inLambda("Root=1-5759e988-0000000000000000000000ff;Parent=00000000000000f2;Sampled=1");
    const sub = getSegment()!.addNewSubsegment("off");
    sub.addAnnotation("k", 1);
    sub.close(new Error("e"));
    assert.is(
      captureFunc("off-capture", () => 5),
      5,
    );
    const segment = new Segment("off-segment");
    segment.close();
    const mod = { request() {}, get() {} };
    assert.is(AWSXRay.captureHTTPs(mod), mod, "captureHTTPs returns the module itself");
  } finally {
    registry().settings = saved;
  }
  // A document sent now arrives after anything the calls above sent (one socket, in order).
  new Segment("after").close();
  const docs = await d.received(1);
  assert.equal(
    docs.map((x) => x.name),
    ["after"],
  );
});

test("Lambda: the facade records nothing itself, with one warning per method, as the peer's", () => {
  inLambda(H1);
  const facade = getSegment()!;
  facade.addAnnotation("k", 1);
  facade.addAnnotation("k", 2);
  facade.addMetadata("m", 1);
  facade.close();
  const warnings = said.filter((s) => s.level === "warn").map((s) => s.message);
  assert.equal(warnings, [
    'Function "addAnnotation" cannot be called on an AWS Lambda segment. Please use a subsegment to record data.',
    'Function "addMetadata" cannot be called on an AWS Lambda segment. Please use a subsegment to record data.',
  ]);
  assert.is(d.documents.length, 0);
});

test("the port's losses: close(err) records fault and cause; addError(err, true) is remote; addError(err) is not", async () => {
  inLambda(H1);
  const s = getSegment()!;
  const closed = s.addNewSubsegment("closed-with-error");
  closed.close(new RangeError("out of range"));
  const remote = s.addNewSubsegment("remote");
  remote.addError(new Error("from downstream"), true);
  remote.addError(new Error("ours"));
  remote.close();
  const [a, b] = await d.received(2);
  assert.is(a!.fault, true);
  assert.equal(
    a!.cause.exceptions.map((e: Record<string, unknown>) => [e.type, e.message]),
    [["RangeError", "out of range"]],
  );
  assert.is(b!.fault, true);
  assert.equal(b!.cause.exceptions.map((e: Record<string, unknown>) => [e.message, e.remote === true]).sort(), [
    ["from downstream", true],
    ["ours", false],
  ]);
});

test("addError refuses what the peer refuses (null, a number), with a logged error, and sets no fault", async () => {
  inLambda(H1);
  const sub = getSegment()!.addNewSubsegment("refused");
  sub.addError(null as unknown as Error);
  sub.addError(42 as unknown as Error);
  sub.close();
  const [doc] = await d.received(1);
  assert.is(doc!.fault, undefined);
  assert.is(doc!.cause, undefined);
  assert.is(said.filter((s) => s.level === "error").length, 2);
});

test("captureFunc: the subsegment is current inside; a throw is recorded and rethrown unchanged; the value comes back", async () => {
  inLambda(H1);
  let inside: unknown;
  const value = captureFunc("sync", (sub) => {
    inside = getSegment();
    assert.ok(sub instanceof Subsegment);
    return 42;
  });
  assert.is(value, 42);
  assert.ok(inside instanceof Subsegment && inside.name === "sync");
  const thrown = new TypeError("bad");
  assert.throws(
    () =>
      captureFunc("throws", () => {
        throw thrown;
      }),
    (e: unknown) => e === thrown,
  );
  const docs = await d.received(2);
  assert.equal(
    docs.map((x) => [x.name, x.fault === true, x.cause?.exceptions?.[0]?.message]),
    [
      ["sync", false, undefined],
      ["throws", true, "bad"],
    ],
  );
});

test("captureAsyncFunc: the function closes its subsegment; xray-edge's own capture nests under it", async () => {
  inLambda(H1);
  let parentId = "";
  const result = await captureAsyncFunc("async", async (sub) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    parentId = sub!.id;
    nativeCapture("native-child", () => undefined);
    sub!.close();
    return "done";
  });
  assert.is(result, "done");
  const docs = await d.received(2);
  assert.equal(
    docs.map((x) => [x.name, x.parent_id]),
    [
      ["native-child", parentId],
      ["async", "53995c3f42cd8ad8"],
    ],
  );
});

test("capture functions check their arguments and throw as the peer does; without a segment the function runs alone", () => {
  assert.throws(() => captureFunc("", () => 1), /Param "name" must be a non-empty string/);
  assert.throws(() => captureFunc("x", 1 as unknown as () => void), /Param "fcn" must be a function/);
  setContextMissingStrategy("IGNORE_ERROR");
  try {
    let arg: unknown = "unset";
    assert.is(
      captureFunc("alone", (sub) => {
        arg = sub;
        return 7;
      }),
      7,
    );
    assert.is(arg, undefined, "called without a subsegment, as by the peer");
  } finally {
    setContextMissingStrategy("LOG_ERROR");
  }
});

test("context missing: LOG_ERROR logs once per kind; RUNTIME_ERROR throws; IGNORE_ERROR is silent; a function is called", () => {
  assert.is(getSegment(), undefined);
  assert.is(getSegment(), undefined);
  assert.equal(
    said.filter((s) => s.level === "error").map((s) => s.message),
    ["Failed to get the current sub/segment from the context."],
  );
  setContextMissingStrategy("RUNTIME_ERROR");
  assert.throws(() => getSegment(), /Failed to get the current sub\/segment from the context/);
  setContextMissingStrategy("ignore_error" as "IGNORE_ERROR"); // any case, as the peer
  said.length = 0;
  assert.is(getSegment(), undefined);
  assert.equal(said, []);
  const messages: string[] = [];
  setContextMissingStrategy((m) => void messages.push(m));
  getSegment();
  assert.equal(messages, ["Failed to get the current sub/segment from the context."]);
  setContextMissingStrategy("LOG_ERROR");
  assert.throws(
    () => setContextMissingStrategy("SOMETIMES" as "LOG_ERROR"),
    /invalid strategy "SOMETIMES".*LOG_ERROR, RUNTIME_ERROR, IGNORE_ERROR/,
  );
  assert.throws(() => setContextMissingStrategy(42 as unknown as "LOG_ERROR"), TypeError);
});

test("a segment begun by hand: sampled, current through setSegment inside a namespace run, sent whole when it closes", async () => {
  const ns = getNamespace();
  const segment = new Segment("by-hand", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8");
  ns.run(() => {
    setSegment(segment);
    assert.is(getSegment(), segment);
    assert.is(ns.get("segment"), segment);
    captureFunc("child", (sub) => sub!.addAnnotation("n", 1));
  });
  setContextMissingStrategy("IGNORE_ERROR");
  assert.is(getSegment(), undefined, "setSegment stayed inside the run");
  setContextMissingStrategy("LOG_ERROR");
  segment.setUser("ada");
  segment.addAnnotation("k", "v");
  segment.close();
  const [doc] = await d.received(1);
  assert.equal(
    [doc!.name, doc!.trace_id, doc!.parent_id, doc!.user, doc!.annotations.k],
    ["by-hand", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", "ada", "v"],
  );
  assert.equal(doc!.subsegments[0].annotations, { n: 1 });
  assert.ok(segment.isClosed());
});

test("manual mode: no context; capture functions and resolveSegment take the parent given; Lambda refuses it", async () => {
  enableManualMode();
  try {
    assert.is(isAutomaticMode(), false);
    const segment = new Segment("manual");
    setContextMissingStrategy("RUNTIME_ERROR");
    assert.throws(() => getSegment(), /Not supported in manual mode/);
    setContextMissingStrategy("LOG_ERROR");
    assert.is(resolveSegment(segment), segment);
    captureFunc("under-manual", () => undefined, segment);
    segment.close();
    const [doc] = await d.received(1);
    assert.equal(
      doc!.subsegments.map((s: { name: string }) => s.name),
      ["under-manual"],
    );
  } finally {
    enableAutomaticMode();
  }
  inLambda(H1);
  enableManualMode();
  assert.is(isAutomaticMode(), true, "refused in Lambda");
  assert.ok(said.some((s) => s.message === "AWS Lambda does not support AWS X-Ray manual mode."));
});

test("setters check their arguments and throw, naming the expected form", () => {
  assert.throws(() => setLogger({ warn() {} } as never), /setLogger: expected a logger object with debug, info, warn and error/);
  assert.throws(() => setDaemonAddress("no-port"), /setDaemonAddress: invalid address "no-port"/);
  assert.throws(() => setDaemonAddress(2000 as unknown as string), TypeError);
  assert.throws(() => AWSXRay.middleware.setSamplingRules({ version: 2, rules: [{ rate: "lots" }] }), /rate/);
  assert.throws(() => AWSXRay.middleware.enableDynamicNaming(5 as unknown as string), /Host pattern must be a string/);
});

test("utils: processTraceData takes a header apart as the peer does; the small helpers", () => {
  const { utils } = AWSXRay;
  assert.equal(utils.processTraceData("Root=1-a-b; Parent=p ;Sampled=1;Self=s;Foo=bar;empty="), {
    root: "1-a-b",
    parent: "p",
    sampled: "1",
    self: "s",
    data: { Foo: "bar" },
  });
  assert.equal(utils.processTraceData(""), {});
  assert.is(utils.getCauseTypeFromHttpStatus(404), "error");
  assert.is(utils.getCauseTypeFromHttpStatus("503"), "fault");
  assert.is(utils.getCauseTypeFromHttpStatus(200), undefined);
  assert.is(utils.stripQueryStringFromPath("/a/b?token=1"), "/a/b");
  assert.ok(utils.wildcardMatch("*.example.com", "API.example.com"));
  assert.ok(utils.wildcardMatch("a?c*", "abcdef"));
  assert.not.ok(utils.wildcardMatch("a*c", "abd"));
  assert.is(utils.safeParseInt("12"), 12);
  assert.is(utils.safeParseInt("x"), 0);
});

test.run();
