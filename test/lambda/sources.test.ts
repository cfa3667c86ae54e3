/**
 * In process: where traceHandler takes each invocation's header from (InvokeStore, then
 * context.xRayTraceId, then _X_AMZN_TRACE_ID only without AWS_LAMBDA_MAX_CONCURRENCY), hostile
 * sources included; that variable's check; and the callback-handler rule of Lambda's runtime
 * (Node 24 and later, Managed Instances), with traceHandler itself on the Node running this.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MemoryEmitter } from "../../adapters/host/index.ts";
import { traceHandler, CallbackHandlerDeprecatedError } from "../../adapters/lambda/index.ts";
import { incomingHeader } from "../../adapters/lambda/header.ts";
import { readHandlerSettings } from "../../adapters/lambda/settings.ts";
import { nodeMajor, refuseCallbackHandler } from "../../adapters/lambda/callback.ts";
import { newHeader } from "./helpers.ts";

const STORE = newHeader().header;
const CONTEXT = newHeader().header;
const ENV = newHeader().header;

/** Runs `fn` with `store` as globalThis.awslambda.InvokeStore. */
function withStore<R>(store: unknown, fn: () => R): R {
  const g = globalThis as { awslambda?: unknown };
  const before = g.awslambda;
  g.awslambda = { InvokeStore: store };
  try {
    return fn();
  } finally {
    g.awslambda = before;
  }
}
const storeOf = (h: unknown) => ({ getXRayTraceId: () => h });
const throwing = new Proxy(
  {},
  {
    get() {
      throw new Error("hostile");
    },
  },
);

test("the store's header first, then the context's, then the environment's", () => {
  const env = { _X_AMZN_TRACE_ID: ENV };
  assert.is(
    withStore(storeOf(STORE), () => incomingHeader(env, { xRayTraceId: CONTEXT }, false)),
    STORE,
  );
  assert.is(
    withStore(storeOf(undefined), () => incomingHeader(env, { xRayTraceId: CONTEXT }, false)),
    CONTEXT,
  );
  assert.is(
    withStore(storeOf(""), () => incomingHeader(env, {}, false)),
    ENV,
  );
  assert.is(incomingHeader({}, undefined, false), undefined);
});

test("under AWS_LAMBDA_MAX_CONCURRENCY, _X_AMZN_TRACE_ID is never the header", () => {
  const env = { _X_AMZN_TRACE_ID: ENV };
  assert.is(incomingHeader(env, {}, true), undefined);
  assert.is(incomingHeader(env, { xRayTraceId: CONTEXT }, true), CONTEXT);
  assert.is(
    withStore(storeOf(STORE), () => incomingHeader(env, {}, true)),
    STORE,
  );
});

test("hostile sources count as none: a store or context that throws, non-strings, empty strings", () => {
  const env = { _X_AMZN_TRACE_ID: ENV };
  for (const store of [throwing, storeOf(42), storeOf({}), { getXRayTraceId: 7 }, null, 5])
    for (const context of [throwing, { xRayTraceId: 1 }, { xRayTraceId: "" }, null, "ctx", 3])
      assert.is(
        withStore(store, () => incomingHeader(env, context, false)),
        ENV,
      );
  const storeThatThrows = {
    getXRayTraceId() {
      throw new Error("store down");
    },
  };
  assert.is(
    withStore(storeThatThrows, () => incomingHeader({}, { xRayTraceId: CONTEXT }, true)),
    CONTEXT,
  );
});

test("traceHandler takes context.xRayTraceId over _X_AMZN_TRACE_ID when there is no store", async () => {
  const h = newHeader();
  const emitter = new MemoryEmitter();
  const handler = traceHandler(async (_event: unknown, _context: unknown) => "ok", { emitter, logger: { warn() {} }, name: "ctx" });
  process.env._X_AMZN_TRACE_ID = ENV;
  try {
    await handler({}, { xRayTraceId: h.header });
  } finally {
    delete process.env._X_AMZN_TRACE_ID;
  }
  assert.equal(
    emitter.documents().map((d) => [d.trace_id, d.parent_id]),
    [[h.root, h.parent]],
  );
});

test("AWS_LAMBDA_MAX_CONCURRENCY: unset or empty is one at a time; a whole number ≥ 1 is concurrent; anything else throws naming it", () => {
  assert.is(readHandlerSettings({}).concurrent, false);
  assert.is(readHandlerSettings({ AWS_LAMBDA_MAX_CONCURRENCY: " " }).concurrent, false);
  assert.is(readHandlerSettings({ AWS_LAMBDA_MAX_CONCURRENCY: "1" }).concurrent, true);
  assert.is(readHandlerSettings({ AWS_LAMBDA_MAX_CONCURRENCY: " 64 " }).concurrent, true);
  for (const bad of ["0", "-1", "many", "1.5", "1e3", "9999999999"])
    assert.throws(
      () => readHandlerSettings({ AWS_LAMBDA_MAX_CONCURRENCY: bad }),
      (e: Error) => e.message === `xray-edge: AWS_LAMBDA_MAX_CONCURRENCY="${bad}" is not valid: expected a whole number, at least 1`,
      bad,
    );
});

const NODE24_MESSAGE =
  "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";
const NODE22_MANAGED_MESSAGE =
  "ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";

/** The error refuseCallbackHandler throws, as [name, message]; undefined when it does not. */
function refusal(concurrent: boolean, major: number | undefined): [string, string] | undefined {
  try {
    refuseCallbackHandler(concurrent, major);
    return undefined;
  } catch (e) {
    assert.instance(e, CallbackHandlerDeprecatedError);
    return [(e as Error).name, (e as Error).message];
  }
}

test("Lambda's rule for callback handlers: refused on Node 24 and later and on Managed Instances, with Lambda's error", () => {
  assert.equal(refusal(false, 24), ["Runtime.CallbackHandlerDeprecated", NODE24_MESSAGE]);
  assert.equal(refusal(true, 26), ["Runtime.CallbackHandlerDeprecated", NODE24_MESSAGE]);
  assert.equal(refusal(true, 22), ["Runtime.CallbackHandlerDeprecated", NODE22_MANAGED_MESSAGE]);
  assert.is(refusal(false, 22), undefined);
  assert.is(refusal(false, 20), undefined);
  assert.is(refusal(true, undefined), undefined, "Bun, Deno, workerd: not Lambda's Node runtime");
});

test("nodeMajor is this Node's major version (Bun and Deno, which claim Node 26, are told apart in the process tests)", () => {
  assert.is(nodeMajor(), Number(process.versions.node.split(".")[0]));
});

test(`traceHandler on this Node (${process.versions.node}): a callback handler is ${Number.parseInt(process.versions.node, 10) >= 24 ? "refused as nodejs24.x refuses it" : "traced"}; async and streaming ones are traced`, async () => {
  const opts = { emitter: new MemoryEmitter(), logger: { warn() {} } };
  const callback = (_e: unknown, _c: unknown, cb: (e: unknown, r: unknown) => void) => cb(null, "via callback");
  if (Number.parseInt(process.versions.node, 10) >= 24) {
    assert.throws(
      () => traceHandler(callback, opts),
      (e: Error) =>
        e instanceof CallbackHandlerDeprecatedError && e.name === "Runtime.CallbackHandlerDeprecated" && e.message === NODE24_MESSAGE,
    );
  } else {
    const traced = traceHandler(callback, opts) as unknown as (event: unknown, context: unknown) => Promise<unknown>;
    assert.is(await traced({}, {}), "via callback");
  }
  // Three parameters but a streaming handler: never a callback handler, on any Node.
  const stream = traceHandler(async (_e: unknown, s: { end(): void }, _c: unknown) => s.end(), { ...opts, streaming: true });
  let ended = false;
  await stream({}, { end: () => (ended = true) }, {});
  assert.ok(ended);
  assert.is(await traceHandler(async (_e: unknown, _c: unknown) => "async", opts)({}, {}), "async");
});

test.run();
