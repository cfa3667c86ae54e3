/**
 * xray-edge/sdk-core beside xray-edge's own API in one process: a handler wrapped by
 * xray-edge/lambda's traceHandler that calls the peer's API inside, xray-edge/fetch inside a
 * captureFunc, and what the Lambda facade says about a malformed header. Both share one context
 * (AsyncLocalStorage), so either may begin what the other nests under.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import AWSXRay from "../../adapters/sdk-core/index.ts";
import { traceHandler } from "../../adapters/lambda/index.ts";
import { instrumentFetch } from "../../adapters/fetch/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { MemoryEmitter } from "../../adapters/host/index.ts";
import { registry } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";
import { type Daemon, daemon, recordingLogger, type Said } from "./helpers.ts";
import { standIn, type StandIn } from "./stand-in.ts";

const H1 = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
for (const name of ["AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING", "_X_AMZN_TRACE_ID"]) delete process.env[name];
registry().settings = readSettings({});

let d: Daemon;
let stand: StandIn;
const said: Said[] = [];
test.before(async () => {
  d = await daemon();
  stand = await standIn();
  AWSXRay.setDaemonAddress(d.address);
  AWSXRay.setLogger(recordingLogger(said));
  process.env.LAMBDA_TASK_ROOT = "/var/task";
});
test.after(async () => {
  d.close();
  await stand.close();
  delete process.env.LAMBDA_TASK_ROOT;
});

test("inside traceHandler, getSegment() is the ## handler subsegment; what the peer's API begins nests in it", async () => {
  process.env._X_AMZN_TRACE_ID = H1;
  const emitter = new MemoryEmitter();
  const handler = traceHandler(
    async (_event: unknown, _context: unknown) => {
      const current = AWSXRay.getSegment()!;
      current.addNewSubsegment("by-hand").close();
      return AWSXRay.captureFunc("captured", () => "result");
    },
    { name: "index.handler", emitter, serviceName: "svc" },
  );
  assert.is(await handler({}, {}), "result");
  const [doc] = emitter.documents();
  assert.is(doc!.name, "## index.handler");
  assert.equal(
    doc!.subsegments.map((s: { name: string }) => s.name),
    ["by-hand", "captured"],
  );
});

test("xray-edge/fetch inside captureFunc: a subsegment of the captured one, its header sent downstream", async () => {
  process.env._X_AMZN_TRACE_ID = H1;
  const tracedFetch = instrumentFetch();
  let captured = "";
  await AWSXRay.captureAsyncFunc("calls", async (sub) => {
    captured = sub!.id;
    const res = await tracedFetch(`${stand.url}/status/200`);
    await res.text();
    sub!.close();
  });
  const docs = await d.received(2);
  const call = docs.find((x) => x.namespace === "remote")!;
  assert.is(call.parent_id, captured, "nested under the captured subsegment");
  assert.is(stand.traceHeaders.at(-1), `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${call.id};Sampled=1`);
});

test("a malformed _X_AMZN_TRACE_ID: nothing recorded, said once as an error", () => {
  said.length = 0;
  process.env._X_AMZN_TRACE_ID = "Root=garbage;Parent=zz;Sampled=1";
  const facade = AWSXRay.getSegment()!;
  assert.is(facade.notTraced, true);
  const sub = facade.addNewSubsegment("unrecorded");
  assert.is(sub.notTraced, true, "its subsegments are not recorded either");
  sub.close();
  AWSXRay.getSegment();
  assert.equal(
    said.filter((s) => s.level === "error").map((s) => s.message),
    ['_X_AMZN_TRACE_ID is malformed ("Root=garbage;Parent=zz;Sampled=1"): invocations with such a header are not traced'],
  );
});

test("an entity of the caller's in context whose parents loop or throw, with methods missing: the handle never throws", () => {
  const looping: Record<string, unknown> = { beginSubsegment: () => looping, close() {} };
  looping.parent = looping;
  const throwing = new Proxy(
    { beginSubsegment: () => throwing, close() {} },
    {
      get(target, key) {
        if (key === "parent") throw new Error("no parent");
        return Reflect.get(target, key);
      },
    },
  );
  for (const entity of [looping, throwing]) {
    const handle = withSegment(entity as never, () => AWSXRay.getSegment());
    assert.ok(handle instanceof AWSXRay.Segment || handle instanceof AWSXRay.Subsegment, "a handle");
    withSegment(entity as never, () => AWSXRay.captureFunc("under-hostile", () => undefined));
    // Its methods may be missing: each call on the handle is guarded.
    handle!.addAnnotation("k", 1);
    handle!.addError(new Error("e"), true);
    handle!.close();
  }
});

test.run();
