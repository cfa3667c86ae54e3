/**
 * Issue 11, transports (xray-edge/udp): each row is a daemon address and what must follow, run as
 * a fresh process on Node, Bun and Deno (with FFI: the custom runtime's case) against the built
 * bundles. Every datagram handed over ends counted once, as sent or as failed; flush() resolves
 * whatever the address; a bad address throws at createUdpEmitter(), naming the variable.
 */
import dgram from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RUNTIMES, runFixture } from "./run.ts";

const COUNT = 50;

interface Row {
  case: string;
  /** Who is at the address: a listener on ::1, a port bound then closed, or no one (not even looked up). */
  daemon: "listener on ::1" | "closed port on 127.0.0.1" | "none";
  /** The address given to the fixture; {port} is the daemon's. "default" reads AWS_XRAY_DAEMON_ADDRESS. */
  address: string;
  env?: Record<string, string>;
  expect:
    | { thrown: RegExp }
    /** Exact counters after flush(), what the listener got, the warnings (one line each). */
    | { stats: { sent: number; failed: number; refusedLater: number }; received: number; warnings: RegExp[] }
    /** No listener: the count after flush(), then probes until a refusal came back; that warning. */
    | { accounted: number; refusal: RegExp };
}

const ROWS: Row[] = [
  // Bun bound its socket to 0.0.0.0, which cannot reach ::1: flush() never resolved.
  {
    case: "a daemon at [::1]",
    daemon: "listener on ::1",
    address: "[::1]:{port}",
    expect: { stats: { sent: COUNT, failed: 0, refusedLater: 0 }, received: COUNT, warnings: [] },
  },
  // A refusal (ICMP) concerns a datagram already counted sent: it goes to refusedLater, apart.
  {
    case: "no listener",
    daemon: "closed port on 127.0.0.1",
    address: "127.0.0.1:{port}",
    expect: { accounted: COUNT, refusal: /^\[xray-edge\] UDP send to the X-Ray daemon at 127\.0\.0\.1:\d+ failed \(.*ECONNREFUSED/m },
  },
  // RFC 6761: a name under .invalid never reaches a resolver, so this row needs no network.
  {
    case: "a host name that does not resolve",
    daemon: "none",
    address: "xray-daemon.invalid:2000",
    expect: {
      stats: { sent: 0, failed: COUNT, refusedLater: 0 },
      received: 0,
      warnings: [/^\[xray-edge\] UDP send to the X-Ray daemon at xray-daemon\.invalid:2000 failed \(.*ENOTFOUND/],
    },
  },
  {
    case: "a malformed AWS_XRAY_DAEMON_ADDRESS: importing xray-edge/udp throws, naming it",
    daemon: "none",
    address: "default",
    env: { AWS_XRAY_DAEMON_ADDRESS: "127.0.0.1:65536" },
    expect: {
      thrown: /^xray-edge: invalid AWS_XRAY_DAEMON_ADDRESS "127\.0\.0\.1:65536": port "65536" is not 1 to 65535; expected host:port/,
    },
  },
];

async function bind(host: string): Promise<{ socket: dgram.Socket; port: number; received: Buffer[] }> {
  const socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
  const received: Buffer[] = [];
  socket.on("message", (m) => received.push(m));
  await new Promise<void>((r) => socket.bind(0, host, () => r()));
  return { socket, port: socket.address().port, received };
}

/** Polls `condition` until it holds; fails after `ms` naming `what` (a condition, never a sleep). */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

for (const row of ROWS) {
  test(`${row.case}: ${"thrown" in row.expect ? "createUdpEmitter() throws, naming it" : "every datagram counted once, flush() resolves"}`, async () => {
    const runs = RUNTIMES.map(async (runtime) => {
      // One daemon per runtime: their datagrams must not mix.
      const daemon = row.daemon === "none" ? undefined : await bind(row.daemon.endsWith("::1") ? "::1" : "127.0.0.1");
      if (row.daemon === "closed port on 127.0.0.1") daemon!.socket.close();
      const address = row.address.replace("{port}", String(daemon?.port));
      const mode = "accounted" in row.expect ? ["probe"] : [];
      try {
        const ran = await runFixture(runtime, "udp.mjs", [address, String(COUNT), ...mode], row.env ?? {});
        return { runtime, ran, received: daemon?.received ?? [] };
      } finally {
        if (row.daemon === "listener on ::1") {
          const { received } = daemon!;
          const want = "received" in row.expect ? row.expect.received : 0;
          // What the kernel took is on its way: wait for it (a shortfall is the assertion's to report), then stop.
          await until(() => received.length >= want, `${runtime}: ${want} datagrams at the listener`).catch(() => {});
          daemon!.socket.close();
        }
      }
    });
    for (const { runtime, ran, received } of await Promise.all(runs)) {
      assert.is(ran.code, 0, `${runtime}: ${ran.stderr}`);
      const r = ran.result;
      const warnings = ran.stderr.split("\n").filter((l) => l.startsWith("[xray-edge]"));
      const expect = row.expect;
      if ("thrown" in expect) {
        assert.is(r.created, false, `${runtime}: ${JSON.stringify(r)}`);
        assert.match(r.error, expect.thrown, runtime);
        continue;
      }
      assert.equal([r.created, r.flushed], [true, true], `${runtime}: created, flush() resolved: ${JSON.stringify(r)}`);
      assert.not.match(ran.stderr, /undefined/, `${runtime}: ${ran.stderr}`);
      if ("stats" in expect) {
        const { sent, failed, refusedLater } = r.first;
        assert.equal({ sent, failed, refusedLater }, expect.stats, runtime);
        assert.is(received.length, expect.received, `${runtime}: datagrams at the listener`);
        assert.is(warnings.length, expect.warnings.length, `${runtime}: ${ran.stderr}`);
        for (const [i, w] of expect.warnings.entries()) assert.match(warnings[i]!, w, runtime);
      } else {
        const { first, probe } = r;
        assert.is(first.sent + first.failed, expect.accounted, `${runtime}: each once after flush(): ${JSON.stringify(first)}`);
        assert.ok(probe.refusedLater > first.refusedLater, `${runtime}: a later refusal was reported: ${JSON.stringify(r)}`);
        assert.is(probe.sent + probe.failed, expect.accounted + probe.probes, `${runtime}: each once, probes included`);
        assert.is(
          probe.sent - first.sent + (probe.failed - first.failed),
          probe.probes,
          `${runtime}: the first ${expect.accounted} did not move`,
        );
        assert.ok(probe.refusedLater <= probe.sent, `${runtime}: every refusal is of a datagram counted sent: ${JSON.stringify(probe)}`);
        assert.match(ran.stderr, expect.refusal, runtime);
      }
    }
  });
}

test.run();
