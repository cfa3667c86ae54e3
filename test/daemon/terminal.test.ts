/**
 * No control character from a document reaches the terminal: C0 (ESC [ …), C1 (CSI U+009B, OSC
 * U+009D, DCS U+0090, ST U+009C, NEL U+0085) and bidi overrides (U+202E, U+2066…U+2069) come out as
 * visible `\uXXXX` escapes in the waterfall and in the violation lines, and as JSON escapes in the
 * `--json` lines, which still parse back to the very strings that were sent.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { HEADER, childEnv, datagram, jsonLines, newId, newTraceId, sendDatagrams, startDaemonProcess, stopProcess } from "./helpers.ts";

/** Everything a terminal may act on, written out here rather than taken from the code under test; \n is our own line break. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const NAME = "evil\u001b[31mred\u009b2J\u009d0;title\u0007\u0090qDCS\u009c\u202egnp.exe\u2066x\u2069\u0085";
const KEY = "k\u009bey";
const VALUE = "v\u202eal\u0085ue with spaces";
const CAUSE = "boom\u009b6n\u001b]52;c;cGFzdGU=\u0007";
const PARENT = "feedfacefeedface\u009b1;1H";

function hostileTrace(): Array<Record<string, unknown>> {
  const traceId = newTraceId();
  const t = Date.now() / 1000;
  const root = {
    name: NAME,
    id: newId(),
    trace_id: traceId,
    start_time: t - 0.1,
    end_time: t,
    annotations: { [KEY]: VALUE, plain: "x" },
    fault: true,
    cause: { exceptions: [{ id: newId(), message: CAUSE }] },
  };
  const orphan = {
    type: "subsegment",
    name: `child${NAME}`,
    id: newId(),
    trace_id: traceId,
    parent_id: PARENT,
    start_time: t - 0.05,
    end_time: t,
  };
  return [root, orphan];
}

function firstUnsafe(text: string): string {
  const m = UNSAFE.exec(text);
  return m
    ? `U+${m[0].codePointAt(0)!.toString(16).padStart(4, "0")} at ${m.index}: ${JSON.stringify(text.slice(m.index - 40, m.index + 10))}`
    : "";
}

test("waterfall and violation lines: every control and bidi character shown as \\uXXXX", async () => {
  // Wide enough that no escape is cut from its row: they are checked whole below.
  const daemon = await startDaemonProcess(["--settle-ms", "200"], childEnv({ COLUMNS: "400" }));
  try {
    const docs = hostileTrace();
    await sendDatagrams(daemon.port, docs.map(datagram));
    await daemon.waitFor(() => daemon.stdout().includes("child"), 10_000, "the waterfall");
    await daemon.waitFor(() => (daemon.stderr().match(/^invalid /gm) ?? []).length >= 2, 10_000, "the violation lines");
    assert.is(await stopProcess(daemon), 0);

    const out = daemon.stdout();
    const err = daemon.stderr();
    assert.is(firstUnsafe(out), "", "stdout");
    assert.is(firstUnsafe(err), "", "stderr");
    // Shown, not dropped: the escapes are there to read.
    assert.ok(out.includes("evil\\u001b[31mred\\u009b2J"), out);
    assert.ok(out.includes("k\\u009bey="), out);
    assert.ok(out.includes("\\u202eal"), out);
    assert.ok(out.includes("boom\\u009b6n"), out);
    assert.ok(out.includes("feedfacefeedface\\u009b1;1H"), out);
    assert.ok(err.includes("\\u009b"), err);
  } finally {
    daemon.kill();
  }
});

test("--json: control and bidi characters escaped, and each line still parses back to what was sent", async () => {
  const daemon = await startDaemonProcess(["--json"]);
  try {
    const docs = hostileTrace();
    // A document too deep for JSON.stringify is embedded as the text received: raw C1 and bidi
    // characters inside its strings, a tab between its tokens.
    const deep = `{"name":"${NAME.replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}",\t"id":"${newId()}","trace_id":"${newTraceId()}","a":${"[".repeat(30_000)}${"]".repeat(30_000)}}`;
    await sendDatagrams(daemon.port, [...docs.map(datagram), HEADER + deep]);
    await daemon.waitFor(() => jsonLines(daemon).length >= 3, 10_000, "three JSON lines");
    const out = daemon.stdout();
    assert.is(firstUnsafe(out), "", "stdout");
    assert.is(firstUnsafe(daemon.stderr()), "", "stderr");

    const lines = jsonLines(daemon);
    assert.is(lines[0]!.document.name, NAME);
    assert.is(lines[0]!.document.annotations[KEY], VALUE);
    assert.is(lines[0]!.document.cause.exceptions[0].message, CAUSE);
    assert.is(lines[1]!.document.parent_id, PARENT);
    assert.is(lines[2]!.document.name, NAME, "the raw embedding too");
    // The escapes are JSON's own: \u009b inside strings.
    assert.ok(out.includes("red\\u009b2J"), out.slice(0, 400));
    assert.is(await stopProcess(daemon), 0);
  } finally {
    daemon.kill();
  }
});

test.run();
