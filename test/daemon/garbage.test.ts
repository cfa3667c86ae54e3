/**
 * The daemon survives any datagram: garbage, bad headers, broken or hostile JSON. Every datagram is
 * counted (dropped or invalid), and the daemon still accepts a valid document afterwards.
 */
import dgram from "node:dgram";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { HEADER, datagram, jsonLines, segmentDoc, sendDatagrams, startDaemonProcess, stopProcess } from "./helpers.ts";

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Largest UDP payload that leaves an IPv4 host. */
const MAX_UDP = 65507;

test("garbage is dropped or reported invalid, and the daemon keeps working", async () => {
  const daemon = await startDaemonProcess(["--json"]);
  try {
    const valid = segmentDoc({ name: "after-garbage" });
    // 100k levels cannot fit in one datagram (200 KB); 32k levels is about the most one holds. The
    // 100k-level case is covered in-process in units.test.ts.
    const deep = "[".repeat(32_000) + "]".repeat(32_000);
    // The largest datagram UDP can carry: a valid segment padded with metadata to exactly 65,507 bytes.
    const big = segmentDoc({ name: "big", metadata: { default: { blob: "" } } });
    const padding = MAX_UDP - enc(datagram(big)).length;
    (big.metadata as { default: { blob: string } }).default.blob = "x".repeat(padding);
    const bigText = datagram(big);
    assert.is(enc(bigText).length, MAX_UDP);

    const noHeader = [
      Uint8Array.from({ length: 512 }, (_, i) => (i * 7919) % 256), // random-looking bytes
      enc(JSON.stringify(segmentDoc())), // a document without a header
      enc('{"format": "xml", "version": 1}\n{}'), // wrong format
      enc('{"format": "json", "version": 2}\n{}'), // wrong version
      enc(HEADER), // header only: nothing after it
      new Uint8Array(0), // an empty datagram
    ];
    const invalid = [
      enc(HEADER + '{"name": "trunc", "id": "70de5b6f19ff9a0a", "trace_id": "1-581cf771-a006649127e371903a2de979", "start'),
      enc(HEADER + JSON.stringify([segmentDoc()])), // an array, not an object
      enc(HEADER + `{"a":${deep}}`), // deeply nested arrays
      enc(HEADER + deep),
      concat(enc(HEADER + '{"name": "'), Uint8Array.of(0xc3, 0x28, 0xff, 0xfe), enc('", "id": "70de5b6f19ff9a0a"}')), // invalid UTF-8
      enc(
        HEADER +
          JSON.stringify({
            name: 42,
            id: [],
            trace_id: {},
            start_time: "soon",
            end_time: null,
            subsegments: "none",
            annotations: [1],
            fault: "yes",
          }),
      ),
      enc(HEADER + JSON.stringify({ ...segmentDoc(), subsegments: [{ name: "child" }, 7, null, { subsegments: { not: "array" } }] })),
    ];

    await sendDatagrams(daemon.port, [...noHeader, ...invalid]);
    // A 70 KB document cannot leave the host as one UDP datagram at all (EMSGSIZE): the limit is
    // 65,507 bytes, and the daemon takes that largest datagram.
    const socket = dgram.createSocket("udp4");
    const tooBig = await new Promise<Error | null>((resolve) =>
      socket.send(enc(HEADER + "x".repeat(70 * 1024)), daemon.port, "127.0.0.1", resolve),
    );
    socket.close();
    assert.is((tooBig as NodeJS.ErrnoException | null)?.code, "EMSGSIZE");
    await sendDatagrams(daemon.port, [bigText, datagram(valid)]);

    const total = noHeader.length + invalid.length + 2;
    await daemon.waitFor(() => jsonLines(daemon).length >= total, 15_000, `${total} JSON lines`);
    const lines = jsonLines(daemon);
    assert.is(lines.length, total);
    assert.is(lines.filter((l) => l.dropped !== undefined).length, noHeader.length);
    assert.equal(
      lines.slice(0, 4).map((l) => l.dropped),
      ["no header", "no header", "no header", "no header"],
    );
    assert.is(lines[4]!.dropped, "no document");
    for (const line of lines.slice(noHeader.length, noHeader.length + invalid.length)) {
      assert.is(line.valid, false, `expected invalid: ${JSON.stringify(line.violations)}`);
      assert.ok(line.violations.length > 0);
      for (const v of line.violations) {
        assert.type(v.path, "string");
        assert.type(v.message, "string");
      }
    }
    const bigLine = lines[total - 2]!;
    assert.is(bigLine.document?.name, "big");
    assert.is(bigLine.valid, true, JSON.stringify(bigLine.violations));
    const last = lines[total - 1]!;
    assert.is(last.valid, true, JSON.stringify(last.violations));
    assert.is(last.document.name, "after-garbage");
    assert.is(daemon.child.exitCode, null, "still running");

    // Violations are reported on stderr, one line each, naming the document.
    assert.match(daemon.stderr(), /invalid segment \(no id\)/);
    assert.match(daemon.stderr(), /dropped datagram of 512 bytes: no header/);

    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.match(daemon.stderr(), new RegExp(`received ${total}, dropped ${noHeader.length}, invalid ${invalid.length}, `));
  } finally {
    daemon.kill();
  }
});

test("property: a few hundred arbitrary datagrams never stop the daemon, and all are counted", async () => {
  const daemon = await startDaemonProcess(["--json", "--quiet", "--settle-ms", "200"]);
  try {
    const jsonish = fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v) ?? "null");
    const docish = fc
      .record(
        {
          name: fc.anything(),
          id: fc.oneof(fc.string({ unit: fc.constantFrom(..."0123456789abcdef") }), fc.anything()),
          trace_id: fc.oneof(fc.constant("1-581cf771-a006649127e371903a2de979"), fc.anything()),
          start_time: fc.anything(),
          end_time: fc.anything(),
          subsegments: fc.anything(),
          annotations: fc.anything(),
          type: fc.constantFrom("subsegment", "segment", 7),
          parent_id: fc.anything(),
          in_progress: fc.anything(),
        },
        { requiredKeys: [] },
      )
      .map((d) => {
        try {
          return JSON.stringify(d) ?? "{}";
        } catch {
          return "{}";
        }
      });
    const body = fc.oneof(
      jsonish,
      docish,
      fc.string(),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b).toString("latin1")),
    );
    const header = fc.constantFrom(HEADER, '{"format":"json","version":1}\n', "", '{"format": "json"}\n', "garbage\n");
    const arb = fc.oneof(
      fc.tuple(header, body).map(([h, b]) => Buffer.from(h + b)),
      fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
    );
    let sent = 0;
    const lineCount = (): number => daemon.stdout().split("\n").length - 1;
    await fc.assert(
      fc.asyncProperty(arb, async (bytes) => {
        fc.pre(bytes.length <= MAX_UDP);
        await sendDatagrams(daemon.port, [bytes]);
        sent++;
        await daemon.waitFor(() => lineCount() >= sent, 5000, `the line for datagram ${sent}`);
        const line = JSON.parse(daemon.stdout().split("\n")[sent - 1]!) as Record<string, unknown>;
        // Every datagram is either dropped (no header / no document) or a document judged valid or not.
        return (
          (line.dropped === "no header" || line.dropped === "no document" || typeof line.valid === "boolean") &&
          daemon.child.exitCode === null
        );
      }),
      { numRuns: 300, seed: 20261124, endOnFailure: true },
    );
    await sendDatagrams(daemon.port, [datagram(segmentDoc({ name: "still-alive" }))]);
    await daemon.waitFor(() => daemon.stdout().includes('"still-alive"'), 10_000, "the valid document after the property run");
    const lines = jsonLines(daemon);
    assert.is(lines.length, sent + 1);
    assert.ok(sent >= 250, `sent ${sent}`);
    assert.is(daemon.child.exitCode, null);
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    const dropped = lines.filter((l) => l.dropped !== undefined).length;
    const invalid = lines.filter((l) => l.valid === false).length;
    assert.match(daemon.stderr(), new RegExp(`received ${sent + 1}, dropped ${dropped}, invalid ${invalid}, `));
  } finally {
    daemon.kill();
  }
});

test.run();
