/**
 * Size limits at their boundary. A UDP datagram over IPv4 carries at most 65,507 bytes; X-Ray takes
 * documents of up to 64 KB. A datagram of 65,505 to 65,507 bytes is legal whatever its header
 * (the daemon used to judge it under its own, 3 bytes longer header and report it too big); one of
 * 65,508 cannot be sent over IPv4 at all, and handed over in-process it is reported, with its size.
 */
import dgram from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { inspectDatagram } from "../../bin/daemon/datagram.ts";
import { HEADER, jsonLines, segmentDoc, sendDatagrams, startDaemonProcess, stopProcess } from "./helpers.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Accepted by AWS's daemon (format in any case), not by the validator's exact test: 30 bytes with its newline. */
const UPPER_HEADER = '{"format":"JSON","version":1}\n';
const SDK_HEADER = '{"format":"json","version":1}\n';

/** A valid segment after `header`, padded with metadata to exactly `bytes` bytes. */
function datagramOf(header: string, bytes: number, name: string): Uint8Array {
  const doc = segmentDoc({ name, metadata: { default: { blob: "" } } });
  const padding = bytes - enc(header + JSON.stringify(doc)).length;
  (doc.metadata as { default: { blob: string } }).default.blob = "p".repeat(padding);
  const out = enc(header + JSON.stringify(doc));
  assert.is(out.length, bytes, "the datagram built has the size asked for");
  return out;
}

test("in-process: 65,505-65,507 bytes are valid under each accepted header; 65,508 is reported once, with its size", () => {
  for (const header of [HEADER, SDK_HEADER, UPPER_HEADER]) {
    for (const bytes of [65_505, 65_506, 65_507]) {
      const r = inspectDatagram(datagramOf(header, bytes, "edge"));
      assert.is(r.kind, "document");
      if (r.kind === "document") assert.equal(r.violations, [], `${bytes} bytes after ${JSON.stringify(header)}`);
    }
    const r = inspectDatagram(datagramOf(header, 65_508, "over"));
    assert.is(r.kind, "document");
    if (r.kind !== "document") continue;
    assert.is(r.violations.length, 1, `${JSON.stringify(header)}: ${JSON.stringify(r.violations)}`);
    assert.match(r.violations[0]!.message, /65508/);
    assert.match(r.violations[0]!.message, /65507/);
  }
});

test("in-process: a document over 64 KB is reported as a document too big, not only as a datagram", () => {
  // 70,000 bytes fit no IPv4 datagram; in-process they show the validator's second rule.
  const r = inspectDatagram(datagramOf(UPPER_HEADER, 70_000, "huge"));
  assert.is(r.kind, "document");
  if (r.kind !== "document") return;
  const messages = r.violations.map((v) => v.message);
  assert.is(messages.length, 2, messages.join(" | "));
  assert.ok(messages.some((m) => /datagram of 70000 bytes/.test(m)));
  assert.ok(messages.some((m) => /document of 69970 bytes: at most 65536/.test(m)));
});

test("over a socket: 65,505-65,507 bytes arrive valid under the upper-case header; 65,508 cannot be sent", async () => {
  const daemon = await startDaemonProcess(["--json", "--quiet"]);
  try {
    const sizes = [65_505, 65_506, 65_507];
    await sendDatagrams(
      daemon.port,
      sizes.map((bytes) => datagramOf(UPPER_HEADER, bytes, `size-${bytes}`)),
    );
    const socket = dgram.createSocket("udp4");
    const over = await new Promise<Error | null>((resolve) =>
      socket.send(datagramOf(UPPER_HEADER, 65_508, "over"), daemon.port, "127.0.0.1", resolve),
    );
    socket.close();
    assert.is((over as NodeJS.ErrnoException | null)?.code, "EMSGSIZE");

    await daemon.waitFor(() => jsonLines(daemon).length >= sizes.length, 10_000, "three JSON lines");
    const lines = jsonLines(daemon);
    assert.equal(
      lines.map((l) => [l.document?.name, l.valid, l.violations]),
      sizes.map((bytes) => [`size-${bytes}`, true, []]),
    );
    assert.is(await stopProcess(daemon), 0);
    assert.match(daemon.stderr(), /received 3, dropped 0, invalid 0, /);
  } finally {
    daemon.kill();
  }
});

test.run();
