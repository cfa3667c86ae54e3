/**
 * xray-edge/sdk-core's downstream and server instrumentation in one process: captureHTTPs and
 * captureHTTPsGlobal on node:http against a local server (subsegment fields, the header sent, the
 * caller's options left as they were, a request that carries its own header, RUNTIME_ERROR),
 * captureAWSv3Client in manual mode and under RUNTIME_ERROR, and
 * middleware.traceRequestResponseCycle with local sampling rules.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import AWSXRay, { type Segment } from "../../adapters/sdk-core/index.ts";
import { registry } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";
import { type Daemon, daemon, recordingLogger, type Said, until } from "./helpers.ts";
import { standIn, type StandIn } from "./stand-in.ts";

const H1 = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
for (const name of ["AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING", "LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID"])
  delete process.env[name];
registry().settings = readSettings({});
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

let d: Daemon;
let stand: StandIn;
const said: Said[] = [];

test.before(async () => {
  d = await daemon();
  stand = await standIn();
  AWSXRay.setDaemonAddress(d.address);
  AWSXRay.setLogger(recordingLogger(said));
});
test.after(async () => {
  d.close();
  await stand.close();
});
test.before.each(() => {
  d.documents.length = 0;
  stand.traceHeaders.length = 0;
  process.env.LAMBDA_TASK_ROOT = "/var/task";
  process.env._X_AMZN_TRACE_ID = H1;
});

function get(mod: typeof http, url: string, options: http.RequestOptions = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const req = mod.get(url, options, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
  });
}

test("captureHTTPs: a remote subsegment per request, named after the host, with http fields and flags; its ID is the header's parent", async () => {
  const traced = AWSXRay.captureHTTPs(http, true);
  assert.is.not(traced, http, "a traced copy; the module itself is left alone");
  assert.is(http.get.name, "get");
  const options = { headers: { "x-test": "1" } };
  assert.is(await get(traced, `${stand.url}/status/503?token=secret`, options), 503);
  assert.equal(options, { headers: { "x-test": "1" } }, "the caller's options are not changed");
  const [doc] = await d.received(1);
  assert.equal([doc!.name, doc!.namespace, doc!.traced, doc!.fault], ["127.0.0.1", "remote", true, true]);
  assert.equal(doc!.http, { request: { method: "GET", url: "http://127.0.0.1/status/503" }, response: { status: 503, content_length: 4 } });
  assert.is(stand.traceHeaders[0], `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=${doc!.id};Sampled=1`);
});

test("captureHTTPs: a request with its own X-Amzn-Trace-Id (any case) is not traced and keeps it", async () => {
  const traced = AWSXRay.captureHTTPs(http);
  assert.is(
    await get(traced, `${stand.url}/status/200`, { headers: { "x-amzn-trace-id": "Root=1-00000000-000000000000000000000001" } }),
    200,
  );
  assert.equal(stand.traceHeaders, ["Root=1-00000000-000000000000000000000001"]);
  // A traced request after it: its document is the first to arrive (one socket sends both in order).
  assert.is(await get(traced, `${stand.url}/status/204`), 204);
  const [doc] = await d.received(1);
  assert.equal(doc!.http.response.status, 204);
  assert.is(d.documents.length, 1);
});

test("captureHTTPs: a refused connection is a local fault with the error; the caller gets its error event", async () => {
  const traced = AWSXRay.captureHTTPs(http);
  assert.is(await get(traced, "http://127.0.0.1:1/x"), "ECONNREFUSED");
  const [doc] = await d.received(1);
  assert.is(doc!.fault, true);
  assert.is(doc!.cause.exceptions[0].remote, undefined);
  assert.match(doc!.cause.exceptions[0].message, /ECONNREFUSED/);
  assert.equal(doc!.http, { request: { method: "GET", url: "http://127.0.0.1/x" } });
});

test("captureHTTPs under RUNTIME_ERROR outside a segment throws, as the peer's; under LOG_ERROR the request is made untraced", async () => {
  delete process.env.LAMBDA_TASK_ROOT;
  const traced = AWSXRay.captureHTTPs(http);
  AWSXRay.setContextMissingStrategy("RUNTIME_ERROR");
  try {
    assert.throws(() => traced.get(`${stand.url}/status/200`), /Failed to get the current sub\/segment/);
  } finally {
    AWSXRay.setContextMissingStrategy("LOG_ERROR");
  }
  assert.is(await get(traced, `${stand.url}/status/200`), 200);
  assert.equal(stand.traceHeaders, [undefined]);
});

test("captureHTTPsGlobal: the module itself is instrumented, once", async () => {
  const mod = { ...http } as typeof http;
  AWSXRay.captureHTTPsGlobal(mod);
  const wrapped = mod.get;
  AWSXRay.captureHTTPsGlobal(mod);
  assert.is(mod.get, wrapped, "a second call changes nothing");
  assert.is(await get(mod, `${stand.url}/status/429`), 429);
  const [doc] = await d.received(1);
  assert.equal([doc!.throttle, doc!.error, doc!.fault], [true, true, undefined]);
});

test("captureAWSv3Client: manual mode records in the segment given; RUNTIME_ERROR rejects the call, as the peer's", async () => {
  delete process.env.LAMBDA_TASK_ROOT;
  const config = { endpoint: stand.url, region: "us-east-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "s" } };
  AWSXRay.enableManualMode();
  const segment = new AWSXRay.Segment("manual");
  const ddb = AWSXRay.captureAWSv3Client(new DynamoDBClient(config), segment);
  try {
    await ddb.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } }));
  } finally {
    AWSXRay.enableAutomaticMode();
  }
  segment.close();
  const [doc] = await d.received(1);
  assert.equal([doc!.subsegments[0].name, doc!.subsegments[0].aws.table_name, doc!.subsegments[0].aws.retries], ["DynamoDB", "orders", 1]);
  const plain = AWSXRay.captureAWSv3Client(new DynamoDBClient(config));
  AWSXRay.setContextMissingStrategy("RUNTIME_ERROR");
  try {
    await plain.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } } })).then(
      () => assert.unreachable("the call should reject"),
      (e: Error) => assert.match(e.message, /Failed to get the current sub\/segment/),
    );
  } finally {
    AWSXRay.setContextMissingStrategy("LOG_ERROR");
  }
  ddb.destroy();
  plain.destroy();
  // Not a client: the caller's mistake, thrown at capture (the peer fails there too), naming the call.
  assert.throws(() => AWSXRay.captureAWSv3Client({} as never), /captureAWSv3Client: expected an AWS SDK for JavaScript v3 client/);
});

test("middleware.traceRequestResponseCycle: a segment per request, joined to its header, closed with the status; local rules sample the rest", async () => {
  delete process.env.LAMBDA_TASK_ROOT;
  AWSXRay.middleware.setDefaultName("shop");
  assert.is(AWSXRay.middleware.defaultName, "shop", "read live, as the peer's property");
  AWSXRay.middleware.setSamplingRules({ version: 2, rules: [], default: { fixed_target: 0, rate: 0 } });
  const segments: Segment[] = [];
  const server = http.createServer((req, res) => {
    segments.push(AWSXRay.middleware.traceRequestResponseCycle(req, res));
    res.statusCode = req.url === "/missing" ? 404 : 200;
    res.setHeader("content-length", "2");
    res.end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const responses: http.IncomingMessage[] = [];
  const request = (path: string, headers: Record<string, string>) =>
    new Promise<void>((resolve) =>
      http.get(`${url}${path}`, { headers }, (res) => {
        responses.push(res);
        res.resume();
        res.on("end", resolve);
      }),
    );
  await request("/missing", { "x-amzn-trace-id": H1, "user-agent": "test-agent" });
  await request("/unsampled", {});
  await request("/asked", { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272799;Sampled=?" });
  await request("/last", { "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272798;Sampled=1" });
  await until(() => segments.length === 4 && segments.every((s) => s.isClosed()), "every segment closed");
  server.close();
  // The last request's document arrives after whatever the two between sent (one socket, in order).
  const docs = await d.received(2);
  assert.equal(
    docs.map((x) => x.http.request.url),
    [`${url}/missing`, `${url}/last`],
    "the rules (rate 0) sampled neither request without a decision",
  );
  const [doc] = docs;
  assert.equal(
    [doc!.name, doc!.trace_id, doc!.parent_id, doc!.error],
    ["shop", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8", true],
  );
  assert.equal(doc!.http.request, { method: "GET", user_agent: "test-agent", client_ip: "127.0.0.1", url: `${url}/missing` });
  assert.equal(doc!.http.response, { status: 404, content_length: 2 });
  assert.is(responses[2]!.headers["x-amzn-trace-id"], "Root=1-5759e988-bd862e3fe1be46a994272799;Sampled=0");
});

test.run();
