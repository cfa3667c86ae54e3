/**
 * captureAwsClient on a real XRayClient (@aws-sdk/client-xray) against a local stand-in for the
 * service: what each call records (the subsegment, field by field) and what each request carried
 * (X-Amzn-Trace-Id), for a success, client and server errors, throttling with a retry, and calls
 * without a segment. Expected values come from the stand-in's script and the client's settings.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { GetSamplingRulesCommand, InvalidRequestException, type XRayClient } from "@aws-sdk/client-xray";
import { captureAwsClient, MIDDLEWARE_NAME } from "../../adapters/aws-sdk/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { registry, runIn } from "../../adapters/context/storage.ts";
import { Tracer, MemoryEmitter, type TraceEntity } from "../../adapters/host/index.ts";
import { fakeService, xrayClient, tracing, onlyDocument, json, withSetting, REGION, type FakeService, type Reply } from "./helpers.ts";

let service: FakeService;

test.before(async () => {
  service = await fakeService();
});
test.after(async () => {
  await service.close();
});
test.before.each(() => {
  service.seen.length = 0;
});

const OK: Reply = { status: 200, body: json({ SamplingRuleRecords: [] }), headers: { "x-amzn-requestid": "test-request-1" } };
const BAD: Reply = {
  status: 400,
  body: json({ __type: "InvalidRequestException", Message: "bad" }),
  headers: { "x-amzn-requestid": "test-request-2" },
};
const throttled = (id: string): Reply => ({
  status: 429,
  body: json({ __type: "ThrottlingException", Message: "slow down" }),
  headers: { "x-amzn-requestid": id },
});
const FAILURE: Reply = {
  status: 500,
  body: json({ __type: "InternalFailure", Message: "boom" }),
  headers: { "x-amzn-requestid": "test-request-4" },
};

const getRules = () => new GetSamplingRulesCommand({});

interface Traced {
  result: any;
  error: any;
  segment: TraceEntity;
  doc: Record<string, any>;
  subs: Record<string, any>[];
}

/** Sends one command inside a new segment (withSegment), closes the segment, returns what it sent. */
async function traced(client: XRayClient): Promise<Traced> {
  const { tracer, emitter, warnings } = tracing();
  const segment = tracer.beginSegment("test");
  let result: any, error: any;
  try {
    result = await withSegment(segment, () => client.send(getRules()));
  } catch (e) {
    error = e;
  }
  segment.close();
  const { doc, subs } = onlyDocument(emitter);
  assert.is(doc.id, segment.id);
  assert.equal(warnings, [], "the tracer refused nothing");
  return { result, error, segment, doc, subs };
}

/** The one subsegment, timed within its segment. */
function onlySub(t: Traced): Record<string, any> {
  assert.is(t.subs.length, 1, "one subsegment for the call");
  const sub = t.subs[0]!;
  assert.match(sub.id, /^[0-9a-f]{16}$/);
  assert.ok(
    sub.start_time >= t.doc.start_time && sub.end_time >= sub.start_time && sub.end_time <= t.doc.end_time,
    "timed within the segment",
  );
  assert.is(sub.in_progress, undefined);
  return sub;
}

/** The header every request of the call carried: this subsegment as the parent, sampled. */
function assertPropagated(t: Traced, sub: Record<string, any>, requests: number): void {
  assert.is(service.seen.length, requests, "requests the service received");
  for (const seen of service.seen) {
    assert.is(seen.path, "/GetSamplingRules");
    assert.is(seen.traceHeader, `Root=${t.doc.trace_id};Parent=${sub.id};Sampled=1`);
  }
}

/** Records, just outside the deserializer (inside the retries and our middleware), every error the SDK threw. */
function sdkErrors(client: XRayClient): unknown[] {
  const errors: unknown[] = [];
  const catcher = (next: (args: any) => Promise<any>) => async (args: any) => {
    try {
      return await next(args);
    } catch (e) {
      errors.push(e);
      throw e;
    }
  };
  (client.middlewareStack as any).add(catcher, { step: "finalizeRequest", priority: "low", name: "testSdkErrors" });
  return errors;
}

/** Sends one command with an uninstrumented client and returns what it threw. */
async function plainError(reply: Reply): Promise<any> {
  service.script(reply);
  const plain = xrayClient(service);
  try {
    await plain.send(getRules());
  } catch (e) {
    return e;
  } finally {
    plain.destroy();
    service.seen.length = 0;
  }
  throw new Error("the plain client did not fail");
}

test("success: an aws subsegment named after the service, with operation, region, request ID, retries and status", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service));
  const t = await traced(client);
  assert.is(t.error, undefined);
  assert.equal(t.result.SamplingRuleRecords, []);
  assert.is(t.result.$metadata.requestId, "test-request-1");
  const sub = onlySub(t);
  assert.is(sub.name, "XRay");
  assert.is(sub.namespace, "aws");
  assert.equal(sub.aws, { operation: "GetSamplingRules", region: REGION, request_id: "test-request-1", retries: 0 });
  assert.equal(sub.http, { response: { status: 200, content_length: service.seen[0]!.replyLength } });
  assert.is(sub.fault, undefined);
  assert.is(sub.error, undefined);
  assert.is(sub.throttle, undefined);
  assert.is(sub.cause, undefined);
  assertPropagated(t, sub, 1);
  client.destroy();
});

test("400: error flag and a remote cause; the caller gets the SDK's own error", async () => {
  const expected = await plainError(BAD);
  service.script(BAD);
  const client = captureAwsClient(xrayClient(service));
  const thrown = sdkErrors(client);
  const t = await traced(client);
  assert.instance(t.error, InvalidRequestException);
  assert.is(thrown.length, 1);
  assert.is(t.error, thrown[0], "the same instance the SDK threw");
  assert.is(t.error.name, expected.name);
  assert.is(t.error.name, "InvalidRequestException");
  assert.is(t.error.message, expected.message);
  assert.equal(t.error.$metadata, expected.$metadata, "the same $metadata as without tracing");
  const sub = onlySub(t);
  assert.is(sub.name, "XRay");
  assert.is(sub.namespace, "aws");
  assert.equal(sub.aws, { operation: "GetSamplingRules", region: REGION, request_id: "test-request-2", retries: 0 });
  assert.equal(sub.http, { response: { status: 400, content_length: service.seen[0]!.replyLength } });
  assert.is(sub.error, true);
  assert.is(sub.throttle, undefined);
  assert.is(sub.fault, true, "addError sets fault (the core's rule, as aws-xray-sdk-core does)");
  assert.is(sub.cause.exceptions.length, 1);
  const [exception] = sub.cause.exceptions;
  assert.is(exception.type, "InvalidRequestException");
  assert.is(exception.message, "bad");
  assert.is(exception.remote, true);
  assertPropagated(t, sub, 1);
  client.destroy();
});

test("429 with maxAttempts 2: one subsegment, retries 1, throttle and error flags, the last attempt's request ID", async () => {
  service.script(throttled("test-request-3a"), throttled("test-request-3b"));
  const client = captureAwsClient(xrayClient(service, { maxAttempts: 2 }));
  const thrown = sdkErrors(client);
  const t = await traced(client);
  assert.is(thrown.length, 2, "two attempts");
  assert.is(t.error, thrown[1]);
  assert.is(t.error.name, "ThrottlingException");
  assert.is(t.error.$metadata.httpStatusCode, 429);
  assert.is(t.error.$metadata.attempts, 2);
  const sub = onlySub(t);
  assert.is(sub.name, "XRay");
  assert.equal(sub.aws, { operation: "GetSamplingRules", region: REGION, request_id: "test-request-3b", retries: 1 });
  assert.equal(sub.http, { response: { status: 429, content_length: service.seen[1]!.replyLength } });
  assert.is(sub.throttle, true);
  assert.is(sub.error, true);
  assert.is(sub.cause.exceptions[0].type, "ThrottlingException");
  assert.is(sub.cause.exceptions[0].remote, true);
  assertPropagated(t, sub, 2);
  client.destroy();
});

test("500: fault flag, no error or throttle flag, a remote cause", async () => {
  service.script(FAILURE);
  const client = captureAwsClient(xrayClient(service));
  const t = await traced(client);
  assert.is(t.error.name, "InternalFailure");
  assert.is(t.error.$metadata.httpStatusCode, 500);
  const sub = onlySub(t);
  assert.equal(sub.aws, { operation: "GetSamplingRules", region: REGION, request_id: "test-request-4", retries: 0 });
  assert.equal(sub.http, { response: { status: 500, content_length: service.seen[0]!.replyLength } });
  assert.is(sub.fault, true);
  assert.is(sub.error, undefined);
  assert.is(sub.throttle, undefined);
  assert.is(sub.cause.exceptions[0].type, "InternalFailure");
  assert.is(sub.cause.exceptions[0].message, "boom");
  assert.is(sub.cause.exceptions[0].remote, true);
  assertPropagated(t, sub, 1);
  client.destroy();
});

test("500 then 200: one subsegment of the successful call, retries 1, no flags", async () => {
  service.script(FAILURE, OK);
  const client = captureAwsClient(xrayClient(service, { maxAttempts: 3 }));
  const t = await traced(client);
  assert.is(t.error, undefined);
  const sub = onlySub(t);
  assert.equal(sub.aws, { operation: "GetSamplingRules", region: REGION, request_id: "test-request-1", retries: 1 });
  assert.equal(sub.http, { response: { status: 200, content_length: service.seen[1]!.replyLength } });
  assert.is(sub.fault, undefined);
  assert.is(sub.error, undefined);
  assert.is(sub.cause, undefined);
  assertPropagated(t, sub, 2);
  client.destroy();
});

test("a throttling error name on a 400 (DynamoDB's ProvisionedThroughputExceededException): throttle and error", async () => {
  service.script({
    status: 400,
    body: json({ __type: "ProvisionedThroughputExceededException", Message: "busy" }),
    headers: { "x-amzn-requestid": "test-request-5" },
  });
  const client = captureAwsClient(xrayClient(service));
  const t = await traced(client);
  assert.is(t.error.name, "ProvisionedThroughputExceededException");
  const sub = onlySub(t);
  assert.equal(sub.http, { response: { status: 400, content_length: service.seen[0]!.replyLength } });
  assert.is(sub.throttle, true);
  assert.is(sub.error, true);
  assert.is(sub.aws.request_id, "test-request-5");
  client.destroy();
});

test("no answer (connection refused): the cause is not remote, no http, the SDK's error passed on", async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const client = captureAwsClient(xrayClient(service, { endpoint: `http://127.0.0.1:${port}` }));
  const thrown = sdkErrors(client);
  const t = await traced(client);
  assert.is(t.error, thrown[0]);
  assert.is(t.error.code, "ECONNREFUSED");
  const sub = onlySub(t);
  assert.equal(sub.aws, { operation: "GetSamplingRules", region: REGION, retries: 0 });
  assert.is(sub.http, undefined);
  assert.is(sub.fault, true);
  assert.is(sub.cause.exceptions[0].remote, undefined, "not an answer of the service");
  client.destroy();
});

test("no segment in context: nothing recorded, no header sent, said once (LOG_ERROR)", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service));
  const { tracer, emitter } = tracing();
  const segment = tracer.beginSegment("test"); // open, but not in context
  const saidBefore = registry().said.has("captureAwsClient");
  const said: unknown[][] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void said.push(args);
  let output: any;
  try {
    output = await client.send(getRules());
  } finally {
    console.error = error;
  }
  segment.close();
  assert.is(output.$metadata.requestId, "test-request-1");
  assert.is(service.seen.length, 1);
  assert.is(service.seen[0]!.traceHeader, undefined);
  assert.is(onlyDocument(emitter).subs.length, 0);
  assert.is(said.length, saidBefore ? 0 : 1);
  if (said.length) assert.match(String(said[0]![0]), /captureAwsClient: no segment in context/);
  client.destroy();
});

test("AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR: a call outside a segment rejects before it is sent", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service));
  const error = await withSetting("AWS_XRAY_CONTEXT_MISSING", "RUNTIME_ERROR", async () => {
    try {
      await client.send(getRules());
    } catch (e) {
      return e as Error;
    }
    return undefined;
  });
  assert.ok(error, "rejected");
  assert.match(error!.message, /captureAwsClient: no segment in context/);
  assert.is(service.seen.length, 0);
  client.destroy();
});

test("pass-through (an invocation not recorded): the incoming header goes on unchanged, nothing recorded", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service));
  const incoming = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0;Lineage=a87bd80c:1";
  const said: unknown[][] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => void said.push(args);
  try {
    await runIn(incoming, () => client.send(getRules()));
  } finally {
    console.error = error;
  }
  assert.is(service.seen.length, 1);
  assert.is(service.seen[0]!.traceHeader, incoming);
  assert.equal(said, [], "not a missing context");
  client.destroy();
});

test("an unsampled segment: nothing sent, the decision propagated (Sampled=0)", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service));
  const emitter = new MemoryEmitter();
  const tracer = new Tracer({ emitter, sampler: { shouldSample: () => ({ sampled: false, rule: "test" }) } });
  const segment = tracer.beginSegment("test");
  await withSegment(segment, () => client.send(getRules()));
  segment.close();
  assert.is(emitter.datagrams.length, 0);
  assert.is(service.seen.length, 1);
  assert.match(service.seen[0]!.traceHeader ?? "", new RegExp(`^Root=${segment.traceId};Parent=[0-9a-f]{16};Sampled=0$`));
  client.destroy();
});

test("captureAwsClient twice: the middleware is added once, each call is one subsegment", async () => {
  service.script(OK);
  const client = captureAwsClient(captureAwsClient(xrayClient(service)));
  assert.is(client.middlewareStack.identify().filter((n) => n.startsWith(MIDDLEWARE_NAME)).length, 1);
  const { tracer, emitter } = tracing();
  const segment = tracer.beginSegment("test");
  await withSegment(segment, async () => {
    await client.send(getRules());
    await client.send(getRules());
  });
  segment.close();
  const { doc, subs } = onlyDocument(emitter);
  assert.is(subs.length, 2);
  assert.equal(
    service.seen.map((s) => s.traceHeader),
    subs.map((s) => `Root=${doc.trace_id};Parent=${s.id};Sampled=1`),
  );
  client.destroy();
});

test("concurrent calls in two segments: each subsegment in its own segment, with its own header", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service));
  const { tracer, emitter } = tracing();
  const a = tracer.beginSegment("a");
  const b = tracer.beginSegment("b");
  await Promise.all([withSegment(a, () => client.send(getRules())), withSegment(b, () => client.send(getRules()))]);
  a.close();
  b.close();
  const docs = emitter.documents();
  assert.equal(
    docs.map((d) => [d.name, d.subsegments?.length]),
    [
      ["a", 1],
      ["b", 1],
    ],
  );
  const expected = docs.map((d) => `Root=${d.trace_id};Parent=${d.subsegments[0].id};Sampled=1`).sort();
  assert.equal(service.seen.map((s) => s.traceHeader).sort(), expected);
  client.destroy();
});

test("options.parent: calls are recorded in the given segment without a context", async () => {
  service.script(OK);
  const { tracer, emitter } = tracing();
  const segment = tracer.beginSegment("test");
  const client = captureAwsClient(xrayClient(service), { parent: () => segment });
  await client.send(getRules());
  segment.close();
  const { doc, subs } = onlyDocument(emitter);
  assert.is(subs.length, 1);
  assert.is(subs[0]!.name, "XRay");
  assert.is(service.seen[0]!.traceHeader, `Root=${doc.trace_id};Parent=${subs[0]!.id};Sampled=1`);
  client.destroy();
});

test("options.parent that throws: the call is made unrecorded, without a header, even inside a segment", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service), {
    parent: () => {
      throw new Error("no parent");
    },
  });
  const t = await traced(client);
  assert.is(t.error, undefined);
  assert.is(t.result.$metadata.requestId, "test-request-1");
  assert.equal(t.subs, [], "not recorded in the context's segment");
  assert.is(service.seen[0]!.traceHeader, undefined, "nothing injected");
  client.destroy();
});

test("instrumentation failures never reach the call: a parent whose beginSubsegment throws, a subsegment whose setters throw", async () => {
  service.script(OK);
  const broken = {
    beginSubsegment() {
      throw new Error("broken");
    },
  } as unknown as TraceEntity;
  const a = captureAwsClient(xrayClient(service), { parent: () => broken });
  const output = await a.send(getRules());
  assert.is(output.$metadata.requestId, "test-request-1");
  assert.is(service.seen[0]!.traceHeader, undefined, "nothing injected");
  a.destroy();

  const closed: string[] = [];
  const fail = () => {
    throw new Error("setter");
  };
  const sub = {
    traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
    setAws: fail,
    setHttp: fail,
    addError: fail,
    addThrottleFlag: fail,
    close: () => void closed.push("closed"),
  };
  const parent = { beginSubsegment: () => sub } as unknown as TraceEntity;
  const b = captureAwsClient(xrayClient(service), { parent: () => parent });
  assert.is((await b.send(getRules())).$metadata.requestId, "test-request-1");
  service.script(BAD);
  const error = await b.send(getRules()).catch((e: unknown) => e);
  assert.instance(error, InvalidRequestException);
  assert.equal(closed, ["closed", "closed"], "closed after each call anyway");
  b.destroy();
});

test("a trace header already on the request is kept", async () => {
  service.script(OK);
  const client = xrayClient(service);
  const mine = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  (client.middlewareStack as any).add(
    (next: (a: any) => Promise<any>) => (args: any) => {
      args.request.headers["x-amzn-trace-id"] = mine;
      return next(args);
    },
    { step: "build", priority: "high", name: "testOwnHeader" },
  );
  captureAwsClient(client);
  const t = await traced(client);
  onlySub(t);
  assert.is(service.seen[0]!.traceHeader, mine);
  client.destroy();
});

test("the subsegment's name is the client's serviceId; the region may be an async provider", async () => {
  service.script(OK);
  const client = captureAwsClient(xrayClient(service, { serviceId: "Custom Service", region: async () => "ap-southeast-2" }));
  const t = await traced(client);
  const sub = onlySub(t);
  assert.is(sub.name, "Custom Service");
  assert.is(sub.aws.region, "ap-southeast-2");
  client.destroy();
});

test("AWS_XRAY_SDK_ENABLED=false: the client is returned as it was", async () => {
  service.script(OK);
  const client = await withSetting("AWS_XRAY_SDK_ENABLED", "false", async () => captureAwsClient(xrayClient(service)));
  assert.not.ok(client.middlewareStack.identify().some((n) => n.startsWith(MIDDLEWARE_NAME)));
  client.destroy();
});

test("not an AWS SDK v3 client: a TypeError at capture", () => {
  assert.throws(
    () => captureAwsClient({} as any),
    (e: Error) => e instanceof TypeError && /AWS SDK for JavaScript v3/.test(e.message),
  );
  assert.throws(() => captureAwsClient(null as any), TypeError);
});

test.run();
