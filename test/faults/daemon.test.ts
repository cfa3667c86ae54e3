/**
 * Issue 11, the local daemon (`xray-edge daemon`): each row is what is sent to it and what must
 * follow, the daemon run as a real process. Node only: the daemon is a Node program whatever
 * runtime sends to it. Each row ends with a marker segment: once the marker is printed and the
 * daemon has exited (SIGTERM), everything before it has been judged and printed.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { childEnv, jsonLines, segmentDoc, sendDatagrams, startDaemonProcess, stopProcess, summaryOf } from "../daemon/helpers.ts";

/** Everything a terminal may act on, written out here (not taken from the code under test); \n is the daemon's own line break. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
/** C0 (ESC [), C1 (CSI, OSC, ST, NEL) and bidi overrides (RLO, LRI…PDI) in one segment name. */
// The waterfall cuts long names: the ones that matter most come first.
const HOSTILE = "\u202eevil\u2066x\u2069\u0085\u009b2J\u001b[31mred\u009d0;title\u0007\u009c";
/**
 * A header AWS's daemon takes (format in any case) and the validator does not: such datagrams were
 * judged behind the daemon's own header, 3 bytes longer, so 65,505-65,507 bytes looked too big.
 */
const UPPER_HEADER = '{"format":"JSON","version":1}\n';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A valid segment named `name` after that header, padded with metadata to exactly `bytes` (0: unpadded). */
function datagram(name: string, bytes = 0): Uint8Array {
  const doc = segmentDoc({ name, metadata: { default: { blob: "" } } });
  if (bytes > 0)
    (doc.metadata as { default: { blob: string } }).default.blob = "p".repeat(bytes - enc(UPPER_HEADER + JSON.stringify(doc)).length);
  const out = enc(UPPER_HEADER + JSON.stringify(doc));
  if (bytes > 0) assert.is(out.length, bytes, "the datagram built has the size asked for");
  return out;
}

interface Row {
  case: string;
  args: string[];
  /** The daemon's environment besides the defaults: a width wide enough to show a whole name. */
  env?: Record<string, string>;
  datagrams: () => Uint8Array[];
  expect: {
    /** Raw control or bidi characters allowed on stdout/stderr: never. */
    raw: "none";
    /** Text that must be on stdout (escapes shown, not dropped). */
    shown?: string[];
    /** --json: each line's [document name, valid, violations], the marker's last. */
    lines?: unknown[];
    summary: RegExp;
  };
}

/** Where every row runs, and why only there: said in each row's test name. */
const ONLY_NODE = "node only: the daemon is a Node program, whatever runtime sends to it";

const ROWS: Row[] = [
  {
    case: "C1 controls and bidi overrides in a name, waterfall",
    args: ["--settle-ms", "200"],
    env: { COLUMNS: "200" },
    datagrams: () => [datagram(HOSTILE)],
    expect: { raw: "none", shown: ["\\u202eevil\\u2066x\\u2069\\u0085\\u009b2J"], summary: /received 2, dropped 0, / },
  },
  {
    case: "C1 controls and bidi overrides in a name, --json",
    args: ["--json"],
    datagrams: () => [datagram(HOSTILE)],
    // JSON's own escapes: the line parses back to the very name sent.
    expect: {
      raw: "none",
      shown: ["\\u202eevil\\u2066x\\u2069\\u0085\\u009b2J\\u001b[31mred"],
      lines: [HOSTILE, "marker"],
      summary: /received 2, dropped 0, /,
    },
  },
  // The daemon judged sizes under its own, longer header: 65,505-65,507 were "too big".
  {
    case: "datagrams of 65,505, 65,506 and 65,507 bytes",
    args: ["--json", "--quiet"],
    datagrams: () => [65_505, 65_506, 65_507].map((n) => datagram(`size-${n}`, n)),
    expect: {
      raw: "none",
      lines: [
        ["size-65505", true, []],
        ["size-65506", true, []],
        ["size-65507", true, []],
        ["marker", true, []],
      ],
      summary: /received 4, dropped 0, invalid 0, /,
    },
  },
];

for (const row of ROWS) {
  test(`${row.case} [${ONLY_NODE}]: nothing raw reaches the terminal${row.expect.lines ? ", each line as sent" : ""}`, async () => {
    const daemon = await startDaemonProcess(row.args, row.env && childEnv(row.env));
    try {
      await sendDatagrams(daemon.port, [...row.datagrams(), datagram("marker")]);
      await daemon.waitFor(() => daemon.stdout().includes("marker"), 15_000, "the marker");
      assert.is(await stopProcess(daemon), 0, daemon.stderr());
      const [out, err] = [daemon.stdout(), daemon.stderr()];
      const first = (text: string) => UNSAFE.exec(text)?.index ?? -1;
      assert.is(first(out), -1, `stdout: ${JSON.stringify(out.slice(first(out) - 40, first(out) + 10))}`);
      assert.is(first(err), -1, `stderr: ${JSON.stringify(err.slice(first(err) - 40, first(err) + 10))}`);
      for (const text of row.expect.shown ?? []) assert.ok(out.includes(text), `shown: ${text}\n${out}`);
      const lines = row.expect.lines;
      if (lines) {
        const got = jsonLines(daemon);
        const picked = lines.map((want, i) =>
          typeof want === "string" ? got[i]?.document?.name : [got[i]?.document?.name, got[i]?.valid, got[i]?.violations],
        );
        assert.equal(picked, lines, out.slice(0, 1500));
        assert.is(got.length, lines.length, out.slice(0, 1500));
      }
      assert.match(summaryOf(daemon), row.expect.summary, err);
    } finally {
      daemon.kill();
    }
  });
}

test.run();
