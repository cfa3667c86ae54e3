/**
 * The receive buffer the daemon obtains and the kernel's drops for its socket. A stopped daemon
 * (SIGSTOP) reads nothing, so a burst fills its small buffer and the kernel drops the rest: every
 * datagram sent is then either received or counted as a kernel drop.
 */
import { existsSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dropsFromTable, procLocalAddress } from "../../bin/daemon/socket-drops.ts";
import { datagram, segmentDoc, sendDatagrams, startDaemonProcess, stopProcess, summaryOf } from "./helpers.ts";

test("/proc/net/udp addresses: words in host byte order, the port in hex", () => {
  assert.is(procLocalAddress({ host: "127.0.0.1", port: 2000, family: 4 }, "LE"), "0100007F:07D0");
  assert.is(procLocalAddress({ host: "127.0.0.1", port: 2000, family: 4 }, "BE"), "7F000001:07D0");
  assert.is(procLocalAddress({ host: "0.0.0.0", port: 65535, family: 4 }, "LE"), "00000000:FFFF");
  assert.is(procLocalAddress({ host: "::1", port: 2000, family: 6 }, "LE"), "00000000000000000000000001000000:07D0");
  assert.is(procLocalAddress({ host: "::ffff:127.0.0.1", port: 1, family: 6 }, "LE"), "0000000000000000FFFF00000100007F:0001");
  assert.is(procLocalAddress({ host: "fe80::1:2", port: 1, family: 6 }, "BE"), "FE800000000000000000000000010002:0001");
  assert.is(procLocalAddress({ host: "localhost", port: 1, family: 4 }), undefined);

  const table = [
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops",
    "  385: 0100007F:0FA0 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 123456 2 0000000000000000 0",
    "  386: 0100007F:07D0 00000000:0000 07 00000000:00034000 00:00000000 00000000  1000        0 123457 2 0000000000000000 4211",
  ].join("\n");
  assert.is(dropsFromTable(table, "0100007F:07D0"), 4211);
  assert.is(dropsFromTable(table, "0100007F:0FA0"), 0);
  assert.is(dropsFromTable(table, "0100007F:0001"), undefined);
  assert.is(dropsFromTable("garbage\n\n", "0100007F:07D0"), undefined);
});

test("the receive buffer obtained is printed; a burst into a stopped daemon is counted as kernel drops", async () => {
  const daemon = await startDaemonProcess(["--json", "--receive-buffer", "4kb"]);
  const pid = daemon.child.pid!;
  try {
    await daemon.waitFor(() => /receive buffer/.test(daemon.stderr()), 5000, "the receive buffer line");
    const buffer = /xray-edge daemon: receive buffer (\d+) bytes \(asked for 4096\b/.exec(daemon.stderr());
    assert.ok(buffer && Number(buffer[1]) > 0, daemon.stderr());

    const sent = 300;
    const docs = Array.from({ length: sent }, (_, i) =>
      datagram(segmentDoc({ name: `burst-${i}`, metadata: { default: { pad: "x".repeat(800) } } })),
    );
    process.kill(pid, "SIGSTOP");
    try {
      await sendDatagrams(daemon.port, docs);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const linux = existsSync("/proc/net/udp");
    if (linux) await daemon.waitFor(() => daemon.stderr().includes("the kernel dropped"), 15_000, "the kernel drops line");
    assert.is(await stopProcess(daemon), 0);

    const summary = summaryOf(daemon);
    if (!linux) {
      assert.match(summary, /; kernel drops unknown/);
      return;
    }
    const m = /received (\d+), .*; kernel drops (\d+)/.exec(summary);
    assert.ok(m, summary);
    const [received, drops] = [Number(m![1]), Number(m![2])];
    // 4 KB hold a few datagrams of a kilobyte: most of the burst is the kernel's to drop.
    assert.ok(drops > 0, summary);
    assert.is(received + drops, sent, summary);
    assert.match(daemon.stderr(), new RegExp(`the kernel dropped \\d+ datagrams \\(${drops} in all\\)`));
  } finally {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      // already gone
    }
    daemon.kill();
  }
});

test.run();
