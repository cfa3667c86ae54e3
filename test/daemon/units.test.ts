/**
 * The daemon's parts in-process: argument parsing, header acceptance, hostile documents that no
 * datagram can carry (100k levels), trace assembly, the waterfall text, the forwarding queue with
 * a fake sender, and startDaemon's programmatic API.
 */
import dgram from "node:dgram";
import { existsSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Assembler, type AssembledTrace } from "../../bin/daemon/assembler.ts";
import { UsageError, parseDaemonArgs } from "../../bin/daemon/args.ts";
import { headerAccepted, inspectDatagram } from "../../bin/daemon/datagram.ts";
import { Forwarder, isRetryable, type SendBatch } from "../../bin/daemon/forwarder.ts";
import { jsonLine } from "../../bin/daemon/report.ts";
import { startDaemon } from "../../bin/daemon/server.ts";
import { buildTree } from "../../bin/daemon/tree.ts";
import { renderTrace, useColor } from "../../bin/daemon/waterfall.ts";
import { HEADER, datagram, newId, newTraceId, segmentDoc, waitUntil } from "./helpers.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test("parseDaemonArgs: options, defaults and mistakes", () => {
  const defaults = { traceTimeoutMs: 60_000, maxMemoryBytes: 64 * 1024 * 1024, receiveBufferBytes: 8 * 1024 * 1024 };
  assert.equal(parseDaemonArgs([]), { json: false, quiet: false, settleMs: 1000, help: false, ...defaults });
  const a = parseDaemonArgs(
    ["--address=[::1]:2000", "--json", "--settle-ms", "250", "--forward", "--region", "eu-west-1", "--endpoint", "http://127.0.0.1:9"],
    {},
  );
  assert.equal(a, {
    address: "[::1]:2000",
    json: true,
    quiet: false,
    settleMs: 250,
    help: false,
    ...defaults,
    forward: { region: "eu-west-1", endpoint: "http://127.0.0.1:9", requestTimeoutMs: 5000 },
  });
  assert.equal(parseDaemonArgs(["--forward"], { AWS_REGION: "us-west-2" }).forward, { region: "us-west-2", requestTimeoutMs: 5000 });
  for (const bad of [
    ["--address"],
    ["--settle-ms", "0"],
    ["--settle-ms", "1.5"],
    ["--region", "x"],
    ["--forward"],
    ["--forward", "--region", "us-east-1", "--endpoint", "ftp://x"],
    ["extra"],
  ]) {
    assert.throws(
      () => parseDaemonArgs(bad, {}),
      (e: unknown) => e instanceof UsageError,
      bad.join(" "),
    );
  }
});

test("headers are accepted as the real daemon accepts them", () => {
  for (const ok of ['{"format": "json", "version": 1}', '{"format":"json","version":1}', '{"version":1,"format":"JSON"}'])
    assert.ok(headerAccepted(enc(ok)), ok);
  for (const bad of [
    "",
    "{}",
    '{"format":"json","version":"1"}',
    '{"format":"json","version":2}',
    "[1]",
    "json",
    `{"format":"json","version":1,"x":"${"y".repeat(300)}"}`,
  ]) {
    assert.not.ok(headerAccepted(enc(bad)), bad);
  }
  assert.equal(inspectDatagram(enc('{"format":"json","version":1}')), { kind: "dropped", reason: "no header" });
  assert.equal(inspectDatagram(enc(HEADER)), { kind: "dropped", reason: "no document" });

  // aws-xray-sdk-core's header (no spaces) on a datagram of the largest UDP size: still valid,
  // though our 3-byte-longer header would not fit around the same document.
  const sdkHeader = '{"format":"json","version":1}\n';
  const doc = segmentDoc({ metadata: { default: { blob: "" } } });
  (doc.metadata as { default: { blob: string } }).default.blob = "y".repeat(65507 - enc(sdkHeader + JSON.stringify(doc)).length);
  const max = enc(sdkHeader + JSON.stringify(doc));
  assert.is(max.length, 65507);
  const r = inspectDatagram(max);
  assert.is(r.kind, "document");
  if (r.kind === "document") assert.equal(r.violations, []);
});

test("100k levels of nesting: inspected, serialised and assembled without throwing", () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const r1 = inspectDatagram(enc(HEADER + deep));
  assert.is(r1.kind, "document");
  if (r1.kind === "document") assert.ok(r1.violations.length > 0);

  // A document whose subsegments nest 100k deep, built without recursion.
  const text = '{"name":"leaf","id":"0000000000000001"}';
  const open = '{"name":"n","subsegments":['.repeat(100_000);
  const close = "]}".repeat(100_000);
  const traceId = newTraceId();
  const docText = `{"name":"root","id":"${newId()}","trace_id":"${traceId}","start_time":1,"end_time":2,"subsegments":[${open}${text}${close}]}`;
  const r2 = inspectDatagram(enc(HEADER + docText));
  assert.is(r2.kind, "document");
  if (r2.kind !== "document") return;
  const line = jsonLine(1, r2);
  assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
  const doc = r2.document ?? (JSON.parse(docText) as Record<string, unknown>);
  const tree = buildTree([{ doc, invalid: false }]);
  assert.ok(tree.nodes <= 5000 && tree.omitted >= 1);
  const out = renderTrace({ ...tree, traceId, documents: 1, finished: true, late: false });
  assert.ok(out.includes("nodes not shown"));
});

function collect(settleMs: number): { assembler: Assembler; traces: AssembledTrace[] } {
  const traces: AssembledTrace[] = [];
  const assembler = new Assembler({
    settleMs,
    traceTimeoutMs: 60_000,
    maxBytes: 64 * 1024 * 1024,
    graceMs: 1,
    onTrace: (t) => traces.push(t),
  });
  return { assembler, traces };
}

test("assembly: independent subsegments under their parents, finished when the root completes", async () => {
  const { assembler, traces } = collect(10_000);
  const traceId = newTraceId();
  const root = {
    name: "root",
    id: newId(),
    trace_id: traceId,
    start_time: 10,
    in_progress: true,
    subsegments: [{ name: "a", id: "aaaaaaaaaaaaaaaa", start_time: 10.1, end_time: 10.2 }],
  };
  const child = {
    type: "subsegment",
    name: "b",
    id: newId(),
    parent_id: "aaaaaaaaaaaaaaaa",
    trace_id: traceId,
    start_time: 10.12,
    end_time: 10.15,
  };
  assert.ok(assembler.add(root));
  assert.ok(assembler.add(child));
  assert.not.ok(assembler.add({ name: "no trace id", id: newId() }));
  // Past the 1 ms grace a finished trace would have been printed: timers fire in the order they
  // fall due, so this one, due later, runs after it whatever the load.
  await sleep(20);
  assert.is(traces.length, 0, "the root is still in progress");
  assembler.add({ ...root, in_progress: undefined, end_time: 10.5 });
  assembler.add({ ...root }); // a late in-progress copy does not undo the completed one
  await waitUntil(() => traces.length >= 1, 5000, "the finished trace");
  assert.is(traces.length, 1);
  const t = traces[0]!;
  assert.ok(t.finished);
  assert.is(t.documents, 4);
  assert.equal(
    t.roots.map((n) => n.name),
    ["root"],
  );
  assert.equal(
    t.roots[0]!.children.map((n) => [n.name, n.children.map((c) => c.name)]),
    [["a", ["b"]]],
  );
  assert.is(t.start, 10);
  assert.is(t.end, 10.5);
  assembler.close();
});

test("assembly: cycles through parent_id, wrong types and late documents", async () => {
  const { assembler, traces } = collect(30);
  const traceId = newTraceId();
  assembler.add({ type: "subsegment", name: "x", id: "x", parent_id: "y", trace_id: traceId, start_time: "later", end_time: {} });
  assembler.add({
    type: "subsegment",
    name: 7,
    id: "y",
    parent_id: "x",
    trace_id: traceId,
    annotations: [1, 2],
    subsegments: "no",
    fault: "yes",
  });
  await waitUntil(() => traces.length >= 1, 5000, "the settled trace");
  assert.is(traces.length, 1);
  assert.not.ok(traces[0]!.finished);
  assert.is(traces[0]!.nodes, 2);
  const text = renderTrace(traces[0]!, { columns: 60 });
  assert.match(text, /\(unfinished\)/);
  assert.match(text, /\(no name\)/);
  assembler.add(segmentDoc({ trace_id: traceId }));
  await waitUntil(() => traces.length >= 2, 5000, "the late entry");
  assert.ok(traces[1]!.late);
  assert.match(renderTrace(traces[1]!), /\(late documents\)/);
  assembler.close();
});

test("waterfall: colours only when asked, markers always", () => {
  const traceId = newTraceId();
  const tree = buildTree([
    {
      doc: {
        name: "svc",
        id: newId(),
        trace_id: traceId,
        start_time: 1,
        end_time: 1.1,
        fault: true,
        annotations: { note: "two words", n: 1 },
      },
      invalid: true,
    },
  ]);
  const trace = { ...tree, traceId, documents: 1, finished: true, late: false };
  const plain = renderTrace(trace, { columns: 100 });
  assert.not.match(plain, /\u001b/);
  assert.match(plain, /note="two words" n=1 !fault !invalid/);
  for (const line of renderTrace(trace, { columns: 80 }).trimEnd().split("\n")) assert.ok(line.length <= 80, `${line.length}: ${line}`);
  assert.match(renderTrace(trace, { color: true }), /\u001b\[31;1m!fault\u001b\[0m/);
  // Short extras fit on the line: the bar makes room for them.
  const wide = renderTrace(trace, { columns: 120 });
  for (const line of wide.trimEnd().split("\n")) assert.ok(line.length <= 120, `${line.length}: ${line}`);
  assert.is(wide.split("\n")[1]!.length, 120);
  assert.is(useColor({ isTTY: true }, {}), true);
  assert.is(useColor({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.is(useColor({ isTTY: false }, { FORCE_COLOR: "1" }), true);
  assert.is(useColor({ isTTY: false }, {}), false);
});

test("forwarder: batches, full queue drops the oldest (said once), retries only what is retryable", async () => {
  const batches: string[][] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const send: SendBatch = async (docs) => {
    batches.push(docs);
    await gate;
    return {};
  };
  const logs: string[] = [];
  const f = new Forwarder({ region: "us-east-1", maxQueue: 60, intervalMs: 50 }, send, (l) => logs.push(l));
  for (let i = 0; i < 150; i++) f.push(`d${i}`);
  // 50 in flight, 100 more for a queue of 60: the 40 oldest of them dropped.
  assert.is(f.stats().droppedQueueFull, 40);
  assert.is(logs.filter((l) => l.includes("queue full")).length, 1);
  release();
  await f.drain(2000);
  assert.equal(
    batches.map((b) => b.length),
    [50, 50, 10],
  );
  assert.equal(batches[1]![0], "d90");
  assert.is(f.stats().forwarded, 110);

  assert.ok(isRetryable({ name: "ThrottledException", $metadata: { httpStatusCode: 429 } }));
  assert.ok(isRetryable({ name: "InternalFailure", $metadata: { httpStatusCode: 503 } }));
  assert.ok(isRetryable(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })));
  assert.not.ok(isRetryable({ name: "InvalidRequestException", $metadata: { httpStatusCode: 400 } }));

  let calls = 0;
  const failing = new Forwarder(
    { region: "us-east-1", maxAttempts: 3, retryBaseMs: 1 },
    async () => {
      calls++;
      throw Object.assign(new Error("down"), { name: "ServiceUnavailable", $metadata: { httpStatusCode: 503 } });
    },
    (l) => logs.push(l),
  );
  failing.push("x");
  await failing.drain(2000);
  assert.is(calls, 3);
  assert.is(failing.stats().failed, 1);
  assert.match(logs.at(-1) ?? "", /giving up on 1 documents after 3 attempts: ServiceUnavailable \(HTTP 503\): down/);
});

test("startDaemon: programmatic use, stats, stop", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const traces: AssembledTrace[] = [];
  const daemon = await startDaemon({
    address: { host: "127.0.0.1", port: 0, family: 4 },
    settleMs: 100,
    color: false,
    stdout: { write: (s: string) => out.push(s), columns: 70 },
    stderr: { write: (s: string) => err.push(s) },
    onTrace: (t) => traces.push(t),
  });
  try {
    assert.ok(daemon.address.port > 0);
    const socket = dgram.createSocket("udp4");
    const send = (d: string): Promise<void> => new Promise((resolve) => socket.send(d, daemon.address.port, "127.0.0.1", () => resolve()));
    await send(datagram(segmentDoc({ name: "prog" })));
    await send("nope");
    await send(HEADER + '{"name": 1}');
    socket.close();
    await waitUntil(() => daemon.stats().received >= 3 && daemon.stats().traces >= 1, 5000, "three datagrams and the trace");
    const s = daemon.stats();
    assert.equal(
      { ...s, openTraces: undefined, heldBytes: undefined },
      {
        received: 3,
        dropped: 1,
        documents: 2,
        valid: 1,
        invalid: 1,
        traces: 1,
        unfinished: 0,
        quiet: 0,
        timedOut: 0,
        evicted: 0,
        stopped: 0,
        openTraces: undefined,
        heldBytes: undefined,
        kernelDrops: existsSync("/proc/net/udp") ? 0 : undefined,
        errors: 0,
      },
    );
    assert.is(traces[0]?.roots[0]?.name, "prog");
    assert.match(out.join(""), /^trace 1-/);
    assert.ok(out.join("").split("\n")[1]!.length <= 70 + 2);
    assert.match(err.join(""), /dropped datagram of 4 bytes: no header/);
    assert.match(err.join(""), /invalid segment \(no id\)/);
  } finally {
    await daemon.stop();
    await daemon.stop(); // twice is fine
  }
});

test.run();
