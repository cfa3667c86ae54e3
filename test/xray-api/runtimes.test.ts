/**
 * Issue 13, point 2: the X-Ray API emitter runs on Node, Bun and Deno (workerd: test/workers). Each
 * runtime, from npm, runs test/xray-api/fixtures/emit.mjs as a real process: the built bundles
 * (dist/index.js, dist/xray-api.js), signed by aws4fetch, sending 60 segments to the stand-in on
 * 127.0.0.1, then flush(). It must exit 0 by itself (nothing closed), with every segment sent once,
 * in signed calls of at most 50 documents; a throttled first call is retried, and counted.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import { type StandIn, startStandIn, throttle } from "./standin.ts";

const FIXTURE = "test/xray-api/fixtures/emit.mjs";
const RUNTIMES: Record<string, string[]> = {
  node: [process.execPath, FIXTURE],
  bun: ["node_modules/.bin/bun", "run", FIXTURE],
  deno: ["node_modules/.bin/deno", "run", "-A", FIXTURE],
};
const COUNT = 60;
/** Generous: a cold Deno or Bun start on a loaded 2-core machine, plus a backoff of at most 100 ms. */
const DEADLINE_MS = 60_000;

function run(cmd: string[], args: string[]): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      // No region or credentials of the machine's: the fixture gives its own.
      env: { ...process.env, AWS_REGION: "", AWS_DEFAULT_REGION: "", AWS_XRAY_LOG_LEVEL: "" },
    });
    let out = "",
      err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd.join(" ")} did not exit within ${DEADLINE_MS} ms (a timer or connection kept it alive?)\n${out}\n${err}`));
    }, DEADLINE_MS);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err, ms: Date.now() - started });
    });
  });
}

/** What every run must show: all 60 accepted once, each call signed (for us-east-1, with the session token) and at most 50 documents. */
function assertDelivered(api: StandIn, r: { code: number | null; out: string; err: string }) {
  assert.is(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  const { stats, ids } = JSON.parse(lines[lines.length - 1]!) as { stats: Record<string, number>; ids: string[] };
  assert.equal(
    { sent: stats.sent, failed: stats.failed, dropped: stats.dropped, queued: stats.queued },
    { sent: COUNT, failed: 0, dropped: 0, queued: 0 },
  );
  assert.equal(api.problems, [], "every request well-formed and signed");
  assert.not.match(r.err, /\[xray-edge\]/, "no warning");

  assert.is(ids.length, COUNT);
  assert.is(new Set(ids).size, COUNT, "the fixture made distinct segments");
  assert.is(api.accepted.length, COUNT, "each document accepted once");
  assert.equal(api.accepted.map((d) => d.id).sort(), [...ids].sort(), "each segment ID once");
  assert.equal(api.accepted.map((d) => d.name).sort(), Array.from({ length: COUNT }, (_, i) => `seg-${i}`).sort());
  for (const d of api.accepted) assert.is(d.trace_id, "1-5759e988-bd862e3fe1be46a994272793");

  const calls = api.of("PutTraceSegments");
  assert.is(calls.length, api.requests.length, "PutTraceSegments only");
  assert.is(stats.calls, calls.length, "every call counted");
  for (const call of calls) {
    assert.ok(call.body.TraceSegmentDocuments.length <= 50, `${call.body.TraceSegmentDocuments.length} documents in one call`);
    assert.match(String(call.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/xray\/aws4_request,/);
    assert.is(call.headers["x-amz-security-token"], "session-token-example");
  }
  return { stats, calls };
}

for (const [name, cmd] of Object.entries(RUNTIMES)) {
  test(`${name}: 60 segments through aws4fetch: 2 signed calls (50 + 10), all sent once, the process exits by itself`, async () => {
    const api = await startStandIn();
    try {
      const r = await run(cmd, [api.url, String(COUNT)]);
      const { stats, calls } = assertDelivered(api, r);
      assert.equal(
        calls.map((c) => [c.answer, c.body.TraceSegmentDocuments.length]),
        [
          [200, 50],
          [200, 10],
        ],
      );
      assert.is(stats.retries, 0);
    } finally {
      await api.close();
    }
  });

  test(`${name}: the first call throttled (429 ThrottledException): retried, all 60 still sent once, the retry counted`, async () => {
    const api = await startStandIn();
    api.script("PutTraceSegments", throttle());
    try {
      const r = await run(cmd, [api.url, String(COUNT)]);
      const { stats, calls } = assertDelivered(api, r);
      assert.equal(
        calls.map((c) => [c.answer, c.body.TraceSegmentDocuments.length]),
        [
          [429, 50],
          [200, 50],
          [200, 10],
        ],
      );
      assert.equal(calls[0]!.body, calls[1]!.body, "the same batch sent again");
      assert.is(stats.retries, 1);
      assert.is(stats.unprocessed, 0);
    } finally {
      await api.close();
    }
  });
}

test.run();
