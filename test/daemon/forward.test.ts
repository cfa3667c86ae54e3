/**
 * `--forward` against a local stand-in for the X-Ray API (node:http on 127.0.0.1): batching,
 * retries on 5xx, and unprocessed segments reported on stderr. The real @aws-sdk/client-xray
 * makes the requests, signed with the dummy credentials from the environment.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { datagram, newTraceId, segmentDoc, sendDatagrams, startDaemonProcess, stopProcess, withTimeout } from "./helpers.ts";

interface Recorded {
  method: string;
  path: string;
  authorization: string;
  documents: string[];
}

/** An answer, or "hang": the request is left without one (the client must time out). */
type Answer = (request: Recorded, index: number) => { status: number; body: unknown } | "hang";

async function fakeXRay(answer: Answer): Promise<{ url: string; requests: Recorded[]; arrivals(): number; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  // Requests whose headers arrived: an aborted one may never deliver its whole body.
  let arrivals = 0;
  const server = http.createServer((req, res) => {
    arrivals++;
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => (body += c));
    req.on("end", () => {
      let documents: string[] = [];
      try {
        documents = (JSON.parse(body) as { TraceSegmentDocuments: string[] }).TraceSegmentDocuments;
      } catch {
        // recorded as an empty batch
      }
      const recorded = { method: req.method ?? "", path: req.url ?? "", authorization: String(req.headers.authorization ?? ""), documents };
      requests.push(recorded);
      const answered = answer(recorded, requests.length - 1);
      if (answered === "hang") return;
      const { status, body: out } = answered;
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    arrivals: () => arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections(); // hung requests too
        server.close(() => resolve());
      }),
  };
}

const OK = { status: 200, body: { UnprocessedTraceSegments: [] } };
const forwardArgs = (url: string, ...more: string[]): string[] => [
  "--json",
  "--quiet",
  "--forward",
  "--region",
  "us-east-1",
  "--endpoint",
  url,
  ...more,
];

test("120 documents go out in batches of at most 50, each exactly once", async () => {
  const api = await fakeXRay(() => OK);
  const daemon = await startDaemonProcess(forwardArgs(api.url));
  try {
    const traceId = newTraceId();
    const texts = Array.from({ length: 120 }, (_, i) => JSON.stringify(segmentDoc({ name: `doc-${i}`, trace_id: traceId })));
    await sendDatagrams(
      daemon.port,
      texts.map((t) => datagram(JSON.parse(t))),
    );
    const forwarded = (): number => api.requests.reduce((n, r) => n + r.documents.length, 0);
    await withTimeout(
      (async () => {
        while (forwarded() < 120) await new Promise((r) => setTimeout(r, 50));
      })(),
      15_000,
      `120 forwarded documents (have ${forwarded()})`,
    );
    // Stopped (its queue drained), the daemon can send nothing more: what was recorded is all.
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.ok(api.requests.length >= 3, `${api.requests.length} requests`);
    for (const r of api.requests) {
      assert.is(r.method, "POST");
      assert.is(r.path, "/TraceSegments");
      assert.match(r.authorization, /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/xray\/aws4_request/);
      assert.ok(r.documents.length >= 1 && r.documents.length <= 50, `batch of ${r.documents.length}`);
    }
    const all = api.requests.flatMap((r) => r.documents);
    assert.is(all.length, 120);
    assert.equal([...all].sort(), [...texts].sort(), "exactly the documents sent, as sent");
    assert.match(daemon.stderr(), /forwarded 120, failed 0, unprocessed 0, dropped from queue 0/);
  } finally {
    daemon.kill();
    await api.close();
  }
});

test("a 500 twice, then OK: the batch is retried and delivered once", async () => {
  const api = await fakeXRay((_, i) => (i < 2 ? { status: 500, body: { __type: "InternalFailure", message: "try again" } } : OK));
  const daemon = await startDaemonProcess(forwardArgs(api.url));
  try {
    const doc = JSON.stringify(segmentDoc({ name: "retried" }));
    await sendDatagrams(daemon.port, [datagram(JSON.parse(doc))]);
    await daemon.waitFor(() => api.requests.length >= 3, 10_000, "three requests");
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.is(api.requests.length, 3);
    for (const r of api.requests) assert.equal(r.documents, [doc]);
    assert.match(daemon.stderr(), /forwarded 1, failed 0, unprocessed 0/);
  } finally {
    daemon.kill();
    await api.close();
  }
});

test("unprocessed segments in the answer are reported with their ids and error codes", async () => {
  const api = await fakeXRay((r) => {
    const id = (JSON.parse(r.documents[0] ?? "{}") as { id?: string }).id;
    return { status: 200, body: { UnprocessedTraceSegments: [{ Id: id, ErrorCode: "InvalidTraceId", Message: "trace too old" }] } };
  });
  const daemon = await startDaemonProcess(forwardArgs(api.url));
  try {
    const doc = segmentDoc({ name: "refused" });
    await sendDatagrams(daemon.port, [datagram(doc)]);
    await daemon.waitFor(() => daemon.stderr().includes("did not process"), 10_000, "the unprocessed report");
    assert.match(daemon.stderr(), new RegExp(`X-Ray did not process segment ${String(doc.id)}: InvalidTraceId trace too old`));
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.match(daemon.stderr(), /forwarded 0, failed 0, unprocessed 1/);
  } finally {
    daemon.kill();
    await api.close();
  }
});

test("a request X-Ray never answers times out and is retried: delivered once, the timeout counted", async () => {
  const api = await fakeXRay((_, i) => (i === 0 ? "hang" : OK));
  const daemon = await startDaemonProcess(forwardArgs(api.url, "--forward-timeout-ms", "1500"));
  try {
    const doc = JSON.stringify(segmentDoc({ name: "after-a-hang" }));
    await sendDatagrams(daemon.port, [datagram(JSON.parse(doc))]);
    await daemon.waitFor(() => api.requests.length >= 2, 15_000, "the retry after the timeout");
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.is(api.requests.length, 2);
    for (const r of api.requests) assert.equal(r.documents, [doc]);
    assert.match(daemon.stderr(), /forwarded 1, failed 0, unprocessed 0, dropped from queue 0, timeouts 1, retries 1/);
  } finally {
    daemon.kill();
    await api.close();
  }
});

test("a request that never gets an answer: 4 attempts in all, then the batch counts as failed", async () => {
  const api = await fakeXRay(() => "hang");
  const daemon = await startDaemonProcess(forwardArgs(api.url, "--forward-timeout-ms", "1000"));
  try {
    await sendDatagrams(daemon.port, [datagram(segmentDoc({ name: "never-answered" }))]);
    await daemon.waitFor(() => daemon.stderr().includes("giving up"), 20_000, "the daemon to give up");
    assert.match(daemon.stderr(), /forward: giving up on 1 documents after 4 attempts: TimeoutError: no answer within 1000 ms/);
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.is(api.arrivals(), 4);
    assert.match(daemon.stderr(), /forwarded 0, failed 1, unprocessed 0, dropped from queue 0, timeouts 4, retries 3/);
  } finally {
    daemon.kill();
    await api.close();
  }
});

test.run();
