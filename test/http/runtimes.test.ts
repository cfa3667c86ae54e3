/**
 * traceFetchHandler under Bun.serve and Deno.serve as real processes (each runtime from npm,
 * importing the built dist/*.js), with the default tracer sending over UDP to a listener here:
 * real requests on 127.0.0.1, documents checked field by field, the Sampled=? answer, a thrown
 * error recorded and answered by the runtime's own error handler, and 50 interleaved requests.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn } from "node:child_process";
import dgram from "node:dgram";
import { flags, headerFields, ID16, newHeader, TRACE_ID, waitFor } from "./helpers.ts";

const DAEMON_HEADER = '{"format": "json", "version": 1}\n';
const FIXTURE = "test/http/fixtures/serve.mjs";
const RUNTIMES: Record<string, string[]> = {
  bun: ["node_modules/.bin/bun", "run", FIXTURE],
  deno: ["node_modules/.bin/deno", "run", "-A", FIXTURE],
};

interface Started {
  base: string;
  port: number;
  docs: Record<string, any>[];
  output(): string;
  stop(): void;
}

async function start(cmd: string[]): Promise<Started> {
  const socket = dgram.createSocket("udp4");
  const docs: Record<string, any>[] = [];
  const bad: string[] = [];
  socket.on("message", (m) => {
    const text = m.toString("utf8");
    if (text.startsWith(DAEMON_HEADER)) docs.push(JSON.parse(text.slice(DAEMON_HEADER.length)));
    else bad.push(text);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const child: ChildProcess = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${socket.address().port}`, NO_COLOR: "1" },
  });
  let out = "",
    err = "";
  child.stdout!.on("data", (c) => (out += c));
  child.stderr!.on("data", (c) => (err += c));
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = () => {
    child.kill("SIGKILL");
    socket.close();
  };
  try {
    await waitFor("the server's port", () => /PORT \d+/.test(out) || exited, 30_000);
  } catch (error) {
    stop();
    throw error;
  }
  const port = Number(/PORT (\d+)/.exec(out)?.[1]);
  if (!port) {
    stop();
    throw new Error(`${cmd.join(" ")} did not start: ${err}`);
  }
  assert.equal(bad, []);
  return { base: `http://127.0.0.1:${port}`, port, docs, output: () => out, stop };
}

for (const [name, cmd] of Object.entries(RUNTIMES)) {
  test(`${name}: Sampled=? answered and sampled by the default 1/s reservoir; status, Content-Length and flags; the peer's address; a thrown error`, async () => {
    const s = await start(cmd);
    try {
      // The process's first request takes the default rule's reservoir (1 a second): sampled.
      const asked = newHeader("?");
      const first = await fetch(`${s.base}/status/429`, { headers: { "x-amzn-trace-id": asked.header, "user-agent": "ua-1" } });
      assert.is(first.status, 429);
      assert.is(await first.text(), "body!");
      assert.equal(headerFields(first.headers.get("x-amzn-trace-id")), { Root: asked.root, Sampled: "1" });

      const joined = newHeader("1");
      const thrown = await fetch(`${s.base}/throw`, { headers: { "x-amzn-trace-id": joined.header, "x-forwarded-for": "192.0.2.9" } });
      assert.is(thrown.status, 500);
      assert.is(await thrown.text(), "error: RangeError", "the runtime's error handler got the handler's own error");

      await waitFor("two documents", () => s.docs.length >= 2);
      const byRoot = new Map(s.docs.map((d) => [d.trace_id, d]));
      const d429 = byRoot.get(asked.root)!;
      assert.is(d429.name, "runtime-server");
      assert.is(d429.parent_id, asked.parent);
      assert.match(d429.id, ID16);
      assert.equal(d429.http, {
        request: { method: "GET", url: `http://127.0.0.1:${s.port}/status/429`, user_agent: "ua-1", client_ip: "127.0.0.1" },
        response: { status: 429, content_length: 5 },
      });
      assert.equal(flags(d429), { error: true, throttle: true, fault: false });

      const dThrow = byRoot.get(joined.root)!;
      assert.is(dThrow.parent_id, joined.parent);
      assert.is(dThrow.http.request.client_ip, "192.0.2.9");
      assert.is(dThrow.http.request.x_forwarded_for, true);
      assert.equal(flags(dThrow), { error: false, throttle: false, fault: true });
      assert.is(dThrow.cause.exceptions[0].message, "handler failed");
      assert.is(dThrow.cause.exceptions[0].type, "RangeError");
    } finally {
      s.stop();
    }
  });

  test(`${name}: a client that aborts before the Response: the segment closes, without http.response`, async () => {
    const s = await start(cmd);
    try {
      const incoming = newHeader("1");
      const controller = new AbortController();
      const call = fetch(`${s.base}/hang`, {
        signal: controller.signal,
        headers: { "x-amzn-trace-id": incoming.header, "user-agent": "ua-2" },
      }).catch((e) => e);
      await waitFor("the request to reach the handler", () => s.output().includes("ARRIVED /hang"));
      controller.abort();
      assert.is(((await call) as Error).name, "AbortError");
      await waitFor("the aborted request's document", () => s.docs.length >= 1);
      const [doc] = s.docs;
      assert.is(doc!.trace_id, incoming.root);
      assert.equal(doc!.http, {
        request: { method: "GET", url: `http://127.0.0.1:${s.port}/hang`, user_agent: "ua-2", client_ip: "127.0.0.1" },
      });
      assert.type(doc!.end_time, "number");
    } finally {
      s.stop();
    }
  });

  test(`${name}: 50 interleaved requests, each in its own trace with its own subsegment; Sampled=0 sends nothing`, async () => {
    const s = await start(cmd);
    try {
      const N = 50;
      const unsampled = newHeader("0");
      assert.is((await fetch(`${s.base}/ctx/none`, { headers: { "x-amzn-trace-id": unsampled.header } })).status, 200);
      const headers = Array.from({ length: N }, () => newHeader("1"));
      const bodies = await Promise.all(
        headers.map(async (h, n) => (await fetch(`${s.base}/ctx/${n}`, { headers: { "x-amzn-trace-id": h.header } })).text()),
      );
      assert.equal(
        bodies,
        headers.map((h) => h.root),
        "getSegment() in each request gave that request's trace",
      );
      await waitFor(`${N} documents`, () => s.docs.length >= N);
      assert.is(s.docs.length, N, "nothing for the Sampled=0 request");
      assert.is(new Set(s.docs.map((d) => d.trace_id)).size, N);
      for (const doc of s.docs) {
        assert.match(doc.trace_id, TRACE_ID);
        const n = Number(doc.http.request.url.split("/").pop());
        assert.is(doc.trace_id, headers[n]!.root);
        assert.equal(
          doc.subsegments.map((x: any) => x.name),
          [`work-${n}`],
        );
      }
    } finally {
      s.stop();
    }
  });
}

test.run();
