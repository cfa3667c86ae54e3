/**
 * aws-xray-sdk-core as a real peer: a child process sends a trace to the daemon (its own header
 * without spaces, streamed independent subsegments, an error) and the daemon must accept and
 * validate every document.
 *
 * With the streaming threshold at 0 the SDK sends three documents: "db-connect" (parent
 * "db-query") when it closes, then "db-query" (parent: the segment) when "payment-call" opens,
 * then the segment with "payment-call" nested.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, childEnv, datagram, jsonLines, segmentDoc, sendDatagrams, startDaemonProcess, stopProcess, withTimeout } from "./helpers.ts";

interface PeerIds {
  traceId: string;
  segment: string;
  db: string;
  connect: string;
  call: string;
}

async function runPeer(port: number): Promise<PeerIds> {
  const child = spawn(process.execPath, [path.join(ROOT, "test/daemon/fixtures/sdk-peer.cjs")], {
    cwd: ROOT,
    env: childEnv({ AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
  const code = await withTimeout(new Promise<number | null>((resolve) => child.on("close", resolve)), 20_000, "the SDK peer");
  assert.is(code, 0, `peer failed: ${err}`);
  return JSON.parse(out.trim()) as PeerIds;
}

test("documents from aws-xray-sdk-core arrive valid, with their names, annotations and fault", async () => {
  const daemon = await startDaemonProcess(["--json"]);
  try {
    const ids = await runPeer(daemon.port);
    // The peer has exited, its datagrams queued: one sent now arrives after all of them.
    await sendDatagrams(daemon.port, [datagram(segmentDoc({ name: "sentinel" }))]);
    await daemon.waitFor(() => jsonLines(daemon).some((l) => l.document?.name === "sentinel"), 10_000, "the sentinel's line");
    const lines = jsonLines(daemon).filter((l) => l.document?.name !== "sentinel");
    assert.is(lines.length, 3, daemon.stdout());
    for (const line of lines) {
      assert.type(line.received, "number");
      assert.ok(Math.abs(line.received - Date.now()) < 60_000);
      assert.equal(line.violations, [], JSON.stringify(line.violations));
      assert.is(line.valid, true);
      assert.is(line.document.trace_id, ids.traceId);
    }

    // Sent in this order: the streamed subsegments first, as they were streamed.
    assert.equal(
      lines.map((l) => l.document.id),
      [ids.connect, ids.db, ids.segment],
    );
    const [connect, db, seg] = lines.map((l) => l.document as Record<string, any>) as [
      Record<string, any>,
      Record<string, any>,
      Record<string, any>,
    ];
    assert.is(connect.type, "subsegment");
    assert.is(connect.name, "db-connect");
    assert.is(connect.parent_id, ids.db);
    assert.type(connect.end_time, "number");

    assert.is(db.type, "subsegment");
    assert.is(db.name, "db-query");
    assert.is(db.parent_id, ids.segment);
    assert.equal(db.annotations, { table: "users" });
    assert.equal(db.metadata, { default: { rows: 7 } });
    assert.not.ok(db.fault);
    assert.is(db.subsegments, undefined, "db-connect was streamed, not nested");

    assert.is(seg.name, "sdk-peer-service");
    assert.is(seg.type, undefined);
    assert.is(seg.parent_id, undefined);
    assert.equal(seg.annotations, { customer: "c-42", attempt: 3, premium: true });
    assert.equal(seg.metadata, { debug: { payload: { size: 12 } } });
    assert.type(seg.end_time, "number");
    assert.not.ok(seg.in_progress);
    assert.not.ok(seg.fault);
    const subs = seg.subsegments as Array<Record<string, any>>;
    assert.equal(
      subs.map((s) => s.name),
      ["payment-call"],
    );
    const call = subs[0]!;
    assert.is(call.id, ids.call);
    assert.equal(call.annotations, { amount: 12.5 });
    assert.is(call.fault, true);
    assert.is(call.cause.exceptions[0].message, "card declined");

    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.match(daemon.stderr(), /received 4, dropped 0, invalid 0, traces 2\b/); // with the sentinel
  } finally {
    daemon.kill();
  }
});

test("the same peer in waterfall mode: one finished trace, streamed subsegment under its parent", async () => {
  const daemon = await startDaemonProcess([]);
  try {
    const ids = await runPeer(daemon.port);
    await daemon.waitFor(() => daemon.stdout().includes("payment-call"), 10_000, "the waterfall");
    const text = daemon.stdout();
    const header = text.split("\n")[0]!;
    assert.ok(header.startsWith(`trace ${ids.traceId}`), header);
    assert.match(header, /3 documents/);
    assert.not.match(header, /unfinished/);
    const names = text
      .split("\n")
      .slice(1, 5)
      .map((l) =>
        l
          .match(/^( *)(\S+)/)
          ?.slice(1, 3)
          .join(""),
      );
    assert.equal(names, ["sdk-peer-service", "  db-query", "    db-connect", "  payment-call"]);
    assert.match(text, /customer=c-42 attempt=3 premium=true/);
    assert.match(text, /payment-call .*amount=12.5 !fault \(card declined\)/);
  } finally {
    daemon.kill();
  }
});

test.run();
