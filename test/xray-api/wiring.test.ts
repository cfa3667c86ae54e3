/**
 * How the emitter is put together: options checked at construction, the Tracer from the main
 * package sending through it, a client of the caller's, the signer-and-fetch seam (with a real SigV4
 * signer from the SDK's own dependencies), the SDK missing, and a process not kept alive.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import { Tracer } from "../../adapters/host/index.ts";
import { createXrayApiEmitter, createXrayApiEmitterWith } from "../../adapters/xray-api/emitter.ts";
import type { Signer } from "../../adapters/xray-api/transport.ts";
import { startStandIn, type StandIn, throttle } from "./standin.ts";
import { capture, clientTo, CREDENTIALS, datagram, FakeTimers, idOf, until, withBackoffs } from "./helpers.ts";

let api: StandIn;
test.before.each(async () => {
  api = await startStandIn();
});
test.after.each(async () => {
  await api.close();
});

const base = { region: "us-east-1", credentials: CREDENTIALS, logger: capture().logger };

test("malformed options throw at construction, naming the option and its form", () => {
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ region: "Mars" }, /option region must be an AWS Region/],
    [{ region: 1 }, /option region/],
    [{ endpoint: "ftp://x" }, /option endpoint must be an http\(s\) URL/],
    [{ endpoint: "not a url" }, /option endpoint/],
    [{ credentials: { accessKeyId: "" } }, /option credentials must be \{ accessKeyId, secretAccessKey/],
    [{ client: {} }, /option client must be an XRayClient/],
    [{ client: clientTo("http://127.0.0.1:1") }, /option region must be left out when client is given/],
    [{ signer: { sign: () => {} } }, /option credentials must be left out when signer is given/],
    [{ fetch: () => {} }, /option fetch must be given only with signer/],
    [{ logger: console.log }, /option logger must be an object with warn/],
    [{ intervalMs: 0 }, /option intervalMs must be a number from 1 to 600000/],
    [{ maxBatchDocuments: 51 }, /option maxBatchDocuments must be an integer from 1 to 50/],
    [{ maxRequestBytes: 1000 }, /option maxRequestBytes must be an integer from 131072/],
    [{ maxQueueBytes: 1.5 }, /option maxQueueBytes must be an integer/],
    [{ timeoutMs: Number.NaN }, /option timeoutMs/],
    [{ maxAttempts: 0 }, /option maxAttempts must be an integer from 1 to 10/],
    [{ retries: 3 }, /option retries must be one of region, /],
  ];
  for (const [extra, message] of cases) assert.throws(() => createXrayApiEmitter({ ...base, ...extra } as never), message, String(message));
  assert.throws(() => createXrayApiEmitter(null as never), /option options must be an object/);
});

test("no region and no AWS_REGION: throws naming region; AWS_REGION is taken when set", () => {
  const saved = [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION];
  try {
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    assert.throws(() => createXrayApiEmitter({ credentials: CREDENTIALS }), /option region must be given \(or AWS_REGION set\)/);
    process.env.AWS_REGION = "eu-west-1";
    assert.ok(createXrayApiEmitter({ credentials: CREDENTIALS, logger: capture().logger }));
  } finally {
    for (const [k, v] of [
      ["AWS_REGION", saved[0]],
      ["AWS_DEFAULT_REGION", saved[1]],
    ] as const)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
});

test("a Tracer from the main package sends its segment through PutTraceSegments", async () => {
  const emitter = createXrayApiEmitter({ ...base, endpoint: api.url });
  const tracer = new Tracer({ serviceName: "checkout", emitter, sampler: { shouldSample: () => ({ sampled: true, rule: "test" }) } });
  const segment = tracer.beginSegment("checkout");
  const sub = segment.beginSubsegment("load-cart");
  sub.addAnnotation("cart_size", 3);
  sub.close();
  segment.close();
  await tracer.flush();
  assert.equal(api.problems, []);
  assert.is(api.accepted.length, 1);
  const doc = api.accepted[0];
  assert.equal([doc.name, doc.id, doc.trace_id], ["checkout", segment.id, segment.traceId]);
  assert.equal(doc.subsegments[0].annotations, { cart_size: 3 });
  assert.equal([tracer.stats().sent, emitter.stats().sent, emitter.stats().failed], [1, 1, 0]);
});

test("client: the caller's XRayClient is used as it is", async () => {
  const timers = new FakeTimers();
  const emitter = createXrayApiEmitterWith({ client: clientTo(api.url), logger: capture().logger }, timers.hooks);
  emitter.send(datagram(1));
  await withBackoffs(timers, emitter.flush());
  assert.equal(api.problems, []);
  assert.equal(
    api.accepted.map((d) => d.id),
    [idOf(1)],
  );
});

/** A SigV4 signer of the signer's shape, from @smithy/signature-v4 (what client-xray signs with): no hand-rolled signing. */
function smithySigner(region: string): Signer {
  class Sha256 {
    private readonly hash;
    constructor(secret?: Uint8Array | string) {
      this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret);
    }
    update(data: Uint8Array | string) {
      this.hash.update(data);
    }
    async digest() {
      return new Uint8Array(this.hash.digest());
    }
  }
  const signer = new SignatureV4({ service: "xray", region, credentials: CREDENTIALS, sha256: Sha256 as never });
  return {
    async sign(url, init) {
      const u = new URL(url);
      const signed = (await signer.sign({
        method: init.method,
        protocol: u.protocol,
        hostname: u.hostname,
        port: Number(u.port),
        path: u.pathname,
        query: {},
        headers: { ...init.headers, host: u.host },
        body: init.body,
      } as never)) as unknown as { headers: Record<string, string> };
      const headers = { ...signed.headers };
      delete headers.host; // fetch sets it
      return new Request(url, { method: init.method, headers, body: init.body });
    },
  };
}

test("signer and fetch: signed requests, throttling retried, the error type read from x-amzn-ErrorType", async () => {
  api.script("PutTraceSegments", throttle());
  const timers = new FakeTimers();
  let fetched = 0;
  const emitter = createXrayApiEmitterWith(
    {
      signer: smithySigner("us-east-1"),
      endpoint: api.url,
      fetch: (request, init) => (fetched++, fetch(request, init)),
      logger: capture().logger,
    },
    { ...timers.hooks, random: () => 0 },
  );
  for (let i = 1; i <= 2; i++) emitter.send(datagram(i));
  await withBackoffs(timers, emitter.flush());
  assert.equal(api.problems, []);
  assert.equal([emitter.stats().sent, emitter.stats().retries, fetched], [2, 1, 2]);
  assert.equal(
    api.accepted.map((d) => d.id),
    [1, 2].map(idOf),
  );
});

test("@aws-sdk/client-xray absent: every document failed, one warning saying what to do, flush() resolves", async () => {
  const timers = new FakeTimers();
  const log = capture();
  const emitter = createXrayApiEmitterWith(
    { ...base, endpoint: api.url, logger: log.logger },
    { ...timers.hooks, load: () => Promise.reject(new Error("Cannot find package '@aws-sdk/client-xray'")) },
  );
  for (let i = 1; i <= 3; i++) emitter.send(datagram(i));
  await withBackoffs(timers, emitter.flush());
  emitter.send(datagram(4));
  await withBackoffs(timers, emitter.flush());
  assert.equal([emitter.stats().failed, emitter.stats().sent, emitter.stats().calls], [4, 0, 2]);
  assert.is(log.messages.length, 1, log.messages.join("\n"));
  assert.match(log.messages[0]!, /@aws-sdk\/client-xray could not be loaded .*pass a signer \(aws4fetch\)/);
  assert.is(api.requests.length, 0);
});

test("a process holding documents exits by itself: the emitter's timers are unref'd", async () => {
  const child = spawn(process.execPath, ["--import", "./scripts/register.mjs", "test/xray-api/fixtures/idle.ts", api.url], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  let code: number | null | undefined;
  child.on("exit", (c) => (code = c));
  try {
    await until(() => code !== undefined, "the process to exit (the interval is 60 s)", 20_000);
  } finally {
    child.kill();
  }
  assert.is(code, 0);
  assert.is(JSON.parse(out).queued, 1, "it held a document when its work ended");
  assert.is(api.requests.length, 0);
});

test.run();
