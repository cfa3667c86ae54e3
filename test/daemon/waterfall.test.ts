/**
 * Waterfall mode through the real CLI: a trace sent as a segment plus independent subsegments is
 * assembled and printed in order, indented, with annotations and markers, without colours (stdout
 * is a pipe here).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { datagram, newId, newTraceId, sendDatagrams, startDaemonProcess, stopProcess } from "./helpers.ts";

test("a segment with nested and independent subsegments prints as an indented waterfall", async () => {
  const daemon = await startDaemonProcess(["--settle-ms", "3000"]);
  try {
    const traceId = newTraceId();
    const t = Math.floor(Date.now() / 1000) - 1;
    const rootId = newId();
    const dbId = newId();
    const root = {
      name: "checkout-api",
      id: rootId,
      trace_id: traceId,
      start_time: t,
      end_time: t + 0.2,
      annotations: { customer: "c-42", tier: "gold" },
      subsegments: [
        { name: "load-cart", id: newId(), start_time: t + 0.01, end_time: t + 0.05 },
        { name: "db", id: dbId, start_time: t + 0.06, end_time: t + 0.19 },
      ],
    };
    const query = {
      type: "subsegment",
      name: "db-query",
      id: newId(),
      parent_id: dbId,
      trace_id: traceId,
      start_time: t + 0.07,
      end_time: t + 0.18,
      fault: true,
      annotations: { table: "orders" },
      cause: { exceptions: [{ id: newId(), message: "deadlock detected" }] },
    };
    const retry = {
      type: "subsegment",
      name: "db-retry",
      id: newId(),
      parent_id: query.id,
      trace_id: traceId,
      start_time: t + 0.1,
      end_time: t + 0.12,
      throttle: true,
      error: true,
    };
    // Children first, root last: the trace finishes when the root arrives.
    await sendDatagrams(daemon.port, [datagram(retry), datagram(query), datagram(root)]);
    await daemon.waitFor(() => daemon.stdout().includes("db-retry"), 2500, "the waterfall (before the settle time)");

    const text = daemon.stdout();
    assert.not.match(text, /\u001b\[/, "no colours when stdout is not a TTY");
    const lines = text.trimEnd().split("\n");
    assert.is(lines.length, 6, text);
    assert.match(lines[0]!, new RegExp(`^trace ${traceId}  200\\.0 ms  3 documents$`));
    const names = lines.slice(1).map((l) => /^( *\S+)/.exec(l)?.[1]);
    assert.equal(names, ["checkout-api", "  load-cart", "  db", "    db-query", "      db-retry"]);
    assert.match(lines[1]!, /checkout-api +\+0\.0 +200\.0 ms \|=+\| customer=c-42 tier=gold$/);
    assert.match(lines[2]!, /load-cart +\+10\.0 +40\.0 ms \|/);
    assert.match(lines[4]!, /db-query +\+70\.0 +110\.0 ms \| +=+ +\| table=orders !fault \(deadlock detected\)$/);
    assert.match(lines[5]!, /db-retry .* !error !throttle$/);
    // The bars line up, and every line fits the default width of 100 columns, extras included.
    const barEnds = lines.slice(1).map((line) => line.indexOf("|", line.indexOf("|") + 1) + 1);
    assert.equal(new Set(barEnds).size, 1, barEnds.join(" "));
    for (const line of lines) assert.ok(line.length <= 100, `${line.length} columns: ${line}`);
  } finally {
    daemon.kill();
  }
});

test("an unfinished trace is printed after the settle time, and the rest on SIGTERM", async () => {
  const daemon = await startDaemonProcess(["--settle-ms", "300"]);
  try {
    const t = Date.now() / 1000;
    const settled = { name: "never-closed", id: newId(), trace_id: newTraceId(), start_time: t, in_progress: true };
    await sendDatagrams(daemon.port, [datagram(settled)]);
    await daemon.waitFor(() => daemon.stdout().includes("never-closed"), 3000, "the settled trace");
    assert.match(daemon.stdout(), /\(unfinished\)/);
    assert.match(daemon.stdout(), /never-closed .*…in progress/);

    // An orphan subsegment whose parent never comes: printed on SIGTERM. Its annotation key is
    // invalid, so that the violation line on stderr shows it has arrived before the signal.
    const orphan = {
      annotations: { "not a key": 1 },
      type: "subsegment",
      name: "orphan-child",
      id: newId(),
      parent_id: "ffffffffffffffff",
      trace_id: newTraceId(),
      start_time: t,
      end_time: t + 0.01,
    };
    await sendDatagrams(daemon.port, [datagram(orphan)]);
    await daemon.waitFor(() => daemon.stderr().includes("invalid subsegment"), 5000, "the orphan's violation line");
    const code = await stopProcess(daemon);
    assert.is(code, 0);
    assert.match(daemon.stdout(), /orphan-child .*\(parent ffffffffffffffff not received\)/);
    assert.match(
      daemon.stderr(),
      /received 2, dropped 0, invalid 1, traces 2 \(2 unfinished: 1 quiet, 0 timed out, 0 evicted over --max-memory, 1 open at stop\)/,
    );
  } finally {
    daemon.kill();
  }
});

test.run();
