/**
 * Issue 16, point 7: a waterfall a person can read. Every line fits the terminal's width (labels
 * and what follows the bar cut with "…", never left to wrap), each row shows the call it records
 * (AWS operation and resource, HTTP method, path and status), what went wrong is kept over the
 * user's annotations when the line is short, and TERM=dumb is plain as NO_COLOR is. Expected
 * rows are written out here from the documents built here.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { compactDocument } from "../../bin/daemon/compact.ts";
import { detailOf } from "../../bin/daemon/detail.ts";
import { buildTree } from "../../bin/daemon/tree.ts";
import { renderTrace, truncate, useColor } from "../../bin/daemon/waterfall.ts";
import { childEnv, datagram, newId, newTraceId, sendDatagrams, startDaemonProcess, stopProcess } from "./helpers.ts";

const T = 1_700_000_000;

function checkoutTrace() {
  const traceId = newTraceId();
  const doc = {
    name: "checkout-service-with-a-rather-long-name-for-its-label",
    id: newId(),
    trace_id: traceId,
    start_time: T,
    end_time: T + 0.2,
    annotations: { customer: "c-42", note: "a long note about this request that takes many columns" },
    subsegments: [
      { name: "DynamoDB", id: newId(), start_time: T + 0.01, end_time: T + 0.02, aws: { operation: "GetItem", table_name: "orders" } },
      { name: "DynamoDB", id: newId(), start_time: T + 0.03, end_time: T + 0.05, aws: { operation: "PutItem", table_name: "orders" } },
      {
        name: "127.0.0.1",
        id: newId(),
        namespace: "remote",
        start_time: T + 0.06,
        end_time: T + 0.09,
        http: { request: { method: "GET", url: "http://127.0.0.1:8080/inventory/sku-1?token=secret" }, response: { status: 200 } },
      },
      {
        name: "SQS",
        id: newId(),
        start_time: T + 0.1,
        end_time: T + 0.11,
        aws: { operation: "SendMessage", queue_url: "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs" },
      },
      {
        name: "S3",
        id: newId(),
        start_time: T + 0.12,
        end_time: T + 0.15,
        fault: true,
        aws: { operation: "GetObject", bucket_name: "media", key: "a/b.png" },
        cause: { exceptions: [{ message: "access denied" }] },
      },
    ],
  };
  return { traceId, doc };
}

function render(columns: number, color = false) {
  const { traceId, doc } = checkoutTrace();
  const tree = buildTree([{ doc: compactDocument(doc).doc, invalid: false }]);
  return renderTrace({ ...tree, traceId, documents: 1, finished: true, late: false }, { columns, color });
}

const rowOf = (text: string, label: string, nth = 0) => text.split("\n").filter((l) => l.trimStart().startsWith(label))[nth] ?? "";

test("a cut never splits an escape: the text stops before it", () => {
  // "ab" then U+202E (6 columns escaped) then "cd": 10 columns.
  const text = "ab\u202ecd";
  assert.is(truncate(text, 20), "ab\\u202ecd");
  assert.is(truncate(text, 9), "ab\\u202e…", "the whole escape fits before the cut");
  for (const width of [4, 5, 6, 7, 8]) assert.is(truncate(text, width), "ab…", `width ${width}`);
  assert.is(truncate("abcdef", 4), "abc…", "plain text is cut at the width");
  assert.is(truncate("x\\u12", 4), "x\\u…", "a backslash-u that is no escape is cut like text");
});

test("each row says what call it records: AWS operation and resource, HTTP method, path (no query) and status", () => {
  const text = render(120);
  assert.match(rowOf(text, "DynamoDB", 0), /\| GetItem orders$/);
  assert.match(rowOf(text, "DynamoDB", 1), /\| PutItem orders$/);
  assert.match(rowOf(text, "127.0.0.1"), /\| GET \/inventory\/sku-1 200$/);
  assert.not.match(text, /token=secret/);
  assert.match(rowOf(text, "SQS"), /\| SendMessage jobs$/);
  assert.match(rowOf(text, "S3"), /\| GetObject media\/a\/b\.png !fault \(access denied\)$/);
});

for (const columns of [120, 100, 80, 60, 40]) {
  test(`at ${columns} columns every line fits, the bars line up, and cut text ends in "…"`, () => {
    const lines = render(columns).trimEnd().split("\n");
    for (const line of lines) assert.ok(line.length <= columns, `${line.length} > ${columns}: ${line}`);
    // The header may take two lines on a narrow terminal (its notes move down); then six rows.
    const rows = lines.filter((l) => l.includes(" ms |"));
    assert.is(rows.length, 6, lines.join("\n"));
    assert.ok(lines.length <= 8, lines.join("\n"));
    const barEnds = rows.map((l) => l.indexOf("|", l.indexOf("|") + 1));
    assert.is(new Set(barEnds).size, 1, barEnds.join(" "));
    // The root's label is longer than any label column: cut, not wrapped onto a line of its own.
    assert.match(rows[0]!, /^check\S*…/);
  });
}

test("with little room, markers and the cause are kept before the detail, the detail before annotations", () => {
  const text = render(80);
  const root = rowOf(text, "checkout");
  assert.match(root, /customer=c-42/);
  assert.match(root, /…$/, "the long note is cut");
  const s3 = rowOf(render(100), "S3");
  assert.match(s3, /!fault \(access denied\)/, s3);
});

test("the detail from raw documents: absent, wrong types and hostile values give no row text or a plain one", () => {
  assert.is(detailOf({}), undefined);
  assert.is(detailOf({ aws: "GetItem", http: [1] }), undefined);
  assert.is(detailOf({ aws: { operation: 7, table_name: {} } }), undefined);
  assert.is(detailOf({ http: { request: { method: "POST", url: "not a url?x=1" } } }), "POST not a url");
  assert.is(detailOf({ http: { response: { status: 503.5 } } }), undefined);
  assert.is(detailOf({ aws: { operation: "Publish", topic_arn: "arn:aws:sns:eu-west-1:123456789012:alerts" } }), "Publish alerts");
  // An SDK call carries http too: the AWS form wins.
  assert.is(detailOf({ aws: { operation: "Query" }, http: { request: { method: "POST" } } }), "Query");
  // The compact form keeps these fields, cut: a 60 KB URL is not held whole.
  const compact = compactDocument({ name: "n", id: "1", http: { request: { method: "GET", url: `http://h/${"p".repeat(60_000)}` } } });
  assert.ok(compact.bytes < 2000, String(compact.bytes));
  assert.match(detailOf(compact.doc) ?? "", /^GET \/p+$/);
});

test("TERM=dumb is plain like NO_COLOR; FORCE_COLOR still forces", () => {
  assert.is(useColor({ isTTY: true }, {}), true);
  assert.is(useColor({ isTTY: true }, { TERM: "dumb" }), false);
  assert.is(useColor({ isTTY: true }, { TERM: "xterm-256color" }), true);
  assert.is(useColor({ isTTY: true }, { TERM: "dumb", FORCE_COLOR: "1" }), true);
  assert.is(useColor({ isTTY: true }, { NO_COLOR: "1" }), false);
  assert.not.match(render(100, false), /\u001b/);
  assert.match(render(100, true), /\u001b\[36mGetItem orders\u001b\[0m/);
});

test("the daemon at COLUMNS=80: every line of its waterfall fits", async () => {
  const daemon = await startDaemonProcess([], childEnv({ COLUMNS: "80" }));
  try {
    const { doc } = checkoutTrace();
    const now = Date.now() / 1000;
    const shifted = JSON.parse(JSON.stringify(doc).replaceAll(String(T), String(Math.floor(now))));
    await sendDatagrams(daemon.port, [datagram(shifted)]);
    await daemon.waitFor(() => daemon.stdout().includes("SendMessage"), 10_000, "the waterfall");
    assert.is(await stopProcess(daemon), 0);
    const lines = daemon.stdout().trimEnd().split("\n");
    assert.is(lines.length, 7, daemon.stdout());
    for (const line of lines) assert.ok(line.length <= 80, `${line.length}: ${line}`);
  } finally {
    daemon.kill();
  }
});

test.run();
