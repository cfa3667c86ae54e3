/**
 * createUdpEmitter as real processes on Node, Bun and Deno (each from npm; Deno with FFI, and
 * without it through Deno.listenDatagram and node:dgram): every datagram the core
 * produced arrives byte for byte at a listener here, over IPv4, IPv6 and a host name; a burst of
 * 10,000 is fully accounted for; with no listener every datagram is counted once and, where the
 * runtime reports refusals (Node, Bun, Deno's FFI path), refusals are counted apart and never move
 * a datagram; a name that does not resolve fails every datagram with one ENOTFOUND warning; the
 * queue waiting for the socket is bounded; the socket never keeps a process alive (each run must
 * exit by itself within its timeout, without close()). Sockets: 127.0.0.1 and ::1 only.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURE = "test/udp/fixtures/emit.mjs";
/** What the fixture needs, and no FFI: Deno's own UDP APIs then carry the datagrams. */
const DENO_NO_FFI = ["--allow-read", "--allow-write", "--allow-env", "--allow-net", "--no-prompt"];
const RUNTIMES: Record<string, string[]> = {
  node: [process.execPath, FIXTURE],
  bun: ["node_modules/.bin/bun", "run", FIXTURE],
  // Every permission: send(2) through FFI (the custom-runtime layer's case).
  deno: ["node_modules/.bin/deno", "run", "-A", "--unstable-net", FIXTURE],
  "deno (listenDatagram)": ["node_modules/.bin/deno", "run", ...DENO_NO_FFI, "--unstable-net", FIXTURE],
  "deno (node:dgram)": ["node_modules/.bin/deno", "run", ...DENO_NO_FFI, FIXTURE],
};

/** Whose sockets are connected, so that a missing listener comes back as a counted failure. */
const SEES_REFUSALS = new Set(["node", "bun", "deno"]);

function run(
  cmd: string[],
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    let out = "",
      err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd.join(" ")} did not exit within ${timeoutMs} ms (a socket kept it alive?)\n${err}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

async function listen(host = "127.0.0.1"): Promise<{ port: number; received: Buffer[]; close(): void }> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  const received: Buffer[] = [];
  socket.on("message", (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, host, () => r()));
  socket.setRecvBufferSize(32 * 1024 * 1024); // a 10,000-datagram burst must not overflow the kernel queue
  return { port: socket.address().port, received, close: () => socket.close() };
}

/**
 * Datagrams the kernel dropped for the local UDP port (its receive queue was full), from the last
 * column of /proc/net/udp. A fast sender (Bun sends 10,000 in ~50 ms) can outrun a listener whose
 * buffer the kernel caps at net.core.rmem_max: those drops are the receiver's, not the emitter's,
 * and are counted here instead of being guessed at. 0 where /proc is absent.
 */
function kernelDrops(port: number): number {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
    for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(`:${hexPort}`)) return Number(fields[fields.length - 1]);
    }
  } catch {
    // not Linux
  }
  return 0;
}

/** A port nobody listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const l = await listen();
  l.close();
  return l.port;
}

function recorded(file: string): Buffer[] {
  const bytes = readFileSync(file);
  const out: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = bytes.readUInt32BE(at);
    out.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

const settle = async (received: Buffer[], want: number) => {
  for (let i = 0; i < 100 && received.length < want; i++) await new Promise((r) => setTimeout(r, 20));
};

for (const [name, cmd] of Object.entries(RUNTIMES)) {
  test(`${name}: every datagram arrives byte for byte, large ones included, and the process exits by itself`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
    const listener = await listen();
    try {
      const r = await run(cmd, [`127.0.0.1:${listener.port}`, "200", join(dir, "record"), "big"]);
      assert.is(r.code, 0, r.err);
      const stats = JSON.parse(r.out.trim().split("\n").pop()!);
      const sent = recorded(join(dir, "record"));
      await settle(listener.received, sent.length);
      assert.equal(stats, { sent: sent.length, failed: 0, bytes: sent.reduce((n, d) => n + d.length, 0), refusedLater: 0 });
      assert.is(listener.received.length, sent.length);
      const key = (b: Buffer) => b.toString("base64");
      assert.equal(listener.received.map(key).sort(), sent.map(key).sort(), "the same bytes");
      assert.ok(
        sent.some((d) => d.length > 40_000),
        "large datagrams were part of it",
      );
    } finally {
      listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: a burst of 10,000 datagrams: sent equals received`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
    const listener = await listen();
    try {
      // The queue is raised for the burst: it is handed over before the socket has opened.
      const r = await run(cmd, [`127.0.0.1:${listener.port}`, "10000", join(dir, "record")], { EMIT_QUEUE: "20000,67108864" });
      assert.is(r.code, 0, r.err);
      const stats = JSON.parse(r.out.trim().split("\n").pop()!);
      await settle(listener.received, 10_000 - kernelDrops(listener.port));
      assert.is(stats.sent + stats.failed, 10_000);
      assert.is(stats.sent, 10_000);
      const drops = kernelDrops(listener.port);
      assert.is(
        listener.received.length + drops,
        stats.sent,
        `listener got ${listener.received.length} of ${stats.sent} sent, the kernel dropped ${drops}`,
      );
    } finally {
      listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: no listener: each datagram counted once, never thrown, refusals apart, and the process exits 0`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
    const port = await closedPort();
    try {
      const probe: Record<string, string> = SEES_REFUSALS.has(name) ? { EMIT_PROBE: "1" } : {};
      const r = await run(cmd, [`127.0.0.1:${port}`, "300", join(dir, "record")], probe);
      assert.is(r.code, 0, r.err);
      const lines = r.out.trim().split("\n");
      const first = JSON.parse(lines[0]!);
      assert.is(first.sent + first.failed, 300, JSON.stringify(first));
      if (SEES_REFUSALS.has(name)) {
        // After the first flush, one datagram at a time until one more refusal came back: the
        // first 300 keep the counts they had when flush() resolved.
        const last = JSON.parse(lines[1]!);
        assert.ok(last.refusedLater > first.refusedLater, `a refusal counted apart: ${lines.join(" ")}`);
        assert.is(last.sent + last.failed, 300 + last.probes, "each datagram once");
        assert.is(last.sent - first.sent + (last.failed - first.failed), last.probes, "the first 300 did not move");
        assert.ok(last.refusedLater <= last.sent, `each refusal is of a datagram counted as sent: ${lines[1]}`);
        assert.match(r.err, /ECONNREFUSED/);
        assert.not.match(r.err, /undefined/);
      } else {
        // Deno's own APIs (node:dgram, Deno.listenDatagram) report no refusal: a missing daemon
        // cannot be detected there.
        assert.equal([first.failed, first.refusedLater], [0, 0], `no refusal reported without FFI: ${lines[0]}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: an IPv6 daemon ([::1]) gets every datagram`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
    const listener = await listen("::1");
    try {
      const r = await run(cmd, [`[::1]:${listener.port}`, "100", join(dir, "record")]);
      assert.is(r.code, 0, r.err);
      const stats = JSON.parse(r.out.trim().split("\n").pop()!);
      const sent = recorded(join(dir, "record"));
      await settle(listener.received, sent.length);
      assert.equal(stats, { sent: 100, failed: 0, bytes: sent.reduce((n, d) => n + d.length, 0), refusedLater: 0 });
      assert.is(listener.received.length, 100);
    } finally {
      listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: a host name (localhost) is resolved; the queue waiting for it is bounded`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
    const listener = await listen();
    try {
      // 300 segments handed at once, before the name resolved: 10 wait, 290 overflow.
      const r = await run(cmd, [`localhost:${listener.port}`, "300", join(dir, "record")], { EMIT_QUEUE: "10,1000000" });
      assert.is(r.code, 0, r.err);
      const stats = JSON.parse(r.out.trim().split("\n").pop()!);
      const sent = recorded(join(dir, "record")).slice(0, 10);
      assert.equal(stats, { sent: 10, failed: 290, bytes: sent.reduce((n, d) => n + d.length, 0), refusedLater: 0 });
      await settle(listener.received, 10);
      const key = (b: Buffer) => b.toString("base64");
      assert.equal(listener.received.map(key).sort(), sent.map(key).sort(), "the first ten");
      assert.match(r.err, /\[xray-edge\] .*localhost:\d+ failed .*queue waiting for the socket is full/);
    } finally {
      listener.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`${name}: a name that does not resolve: all failed, flush() resolves, one ENOTFOUND warning`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
    try {
      const r = await run(cmd, ["xray-daemon.invalid:2000", "100", join(dir, "record")]);
      assert.is(r.code, 0, r.err);
      assert.equal(JSON.parse(r.out.trim().split("\n").pop()!), { sent: 0, failed: 100, bytes: 0, refusedLater: 0 });
      const warnings = r.err.split("\n").filter((l) => l.startsWith("[xray-edge]"));
      assert.is(warnings.length, 1, r.err);
      assert.match(warnings[0]!, /xray-daemon\.invalid:2000 failed \(.*ENOTFOUND/);
      const silent = await run(cmd, ["xray-daemon.invalid:2000", "100", join(dir, "record")], { AWS_XRAY_LOG_LEVEL: "silent" });
      assert.is(silent.code, 0, silent.err);
      assert.equal(JSON.parse(silent.out.trim().split("\n").pop()!), { sent: 0, failed: 100, bytes: 0, refusedLater: 0 });
      assert.not.match(silent.err, /xray-edge/, "AWS_XRAY_LOG_LEVEL=silent");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// A socket that cannot be created, for real: Deno without the network permission (node:dgram
// used to throw NotCapable there, uncaught, a tick after the first send).
for (const [name, cmd] of Object.entries({
  "deno (no net permission, node:dgram)": [
    "node_modules/.bin/deno",
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--no-prompt",
    FIXTURE,
  ],
  "deno (no net permission, listenDatagram)": [
    "node_modules/.bin/deno",
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--no-prompt",
    "--unstable-net",
    FIXTURE,
  ],
})) {
  for (const address of ["127.0.0.1:2000", "localhost:2000"]) {
    test(`${name}, ${address}: every datagram failed, flush() resolves, nothing thrown`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
      try {
        const r = await run(cmd, [address, "50", join(dir, "record")]);
        assert.is(r.code, 0, r.err);
        assert.equal(JSON.parse(r.out.trim().split("\n").pop()!), { sent: 0, failed: 50, bytes: 0, refusedLater: 0 });
        const warnings = r.err.split("\n").filter((l) => l.startsWith("[xray-edge]"));
        assert.is(warnings.length, 1, r.err);
        assert.match(warnings[0]!, new RegExp(`${address} failed \\(.*(EPERM|net access)`));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test("deno without --allow-env: the default address and log level apply, nothing throws", async () => {
  const dir = mkdtempSync(join(tmpdir(), "xray-udp-"));
  try {
    const cmd = ["node_modules/.bin/deno", "run", "--allow-read", "--allow-write", "--allow-net", "--no-prompt", FIXTURE];
    for (const address of ["default", "127.0.0.1:2000"]) {
      const r = await run(cmd, [address, "20", join(dir, "record")]);
      assert.is(r.code, 0, r.err);
      const stats = JSON.parse(r.out.trim().split("\n").pop()!);
      assert.is(stats.sent + stats.failed, 20, JSON.stringify(stats));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
