/**
 * The daemon's memory is bounded by design: what the assembler holds stays within its byte budget
 * (--max-memory), the oldest traces are evicted beyond it, a trace that never completes is printed
 * as incomplete and dropped after --trace-timeout-ms, and all of it is counted in the summary.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { Assembler, type AssembledTrace } from "../../bin/daemon/assembler.ts";
import { UsageError, parseByteSize, parseDaemonArgs } from "../../bin/daemon/args.ts";
import { datagram, newId, newTraceId, runCli, sendDatagrams, startDaemonProcess, stopProcess, summaryOf, withTimeout } from "./helpers.ts";

function assemblerWith(maxBytes: number, traceTimeoutMs = 60_000): { assembler: Assembler; traces: AssembledTrace[] } {
  const traces: AssembledTrace[] = [];
  const assembler = new Assembler({ settleMs: 60_000, traceTimeoutMs, maxBytes, graceMs: 1, onTrace: (t) => traces.push(t) });
  return { assembler, traces };
}

/** An in-progress segment with `subsegments` children and a 2 KB metadata blob (which is not kept). */
function openSegment(traceId: string, subsegments: number): Record<string, unknown> {
  const t = Date.now() / 1000;
  return {
    name: "never-done",
    id: newId(),
    trace_id: traceId,
    start_time: t,
    in_progress: true,
    metadata: { default: { blob: "m".repeat(2048) } },
    subsegments: Array.from({ length: subsegments }, (_, i) => ({ name: `s${i}`, id: newId(), start_time: t, end_time: t + 0.001 })),
  };
}

test("--max-memory and --receive-buffer take bytes, kb, mb or gb; anything else is a usage error naming the flag", () => {
  const cases: Array<[string, number]> = [
    ["64mb", 67_108_864],
    ["512kb", 524_288],
    ["512KB", 524_288],
    ["1g", 1_073_741_824],
    ["2 gb", 2_147_483_648],
    ["1048576", 1_048_576],
    ["4096b", 4096],
  ];
  for (const [text, bytes] of cases) assert.is(parseByteSize("--max-memory", text, 1024, 64 * 1024 ** 3), bytes, text);
  assert.is(parseDaemonArgs(["--max-memory", "16mb"], {}).maxMemoryBytes, 16_777_216);
  assert.is(parseDaemonArgs(["--receive-buffer=256kb"], {}).receiveBufferBytes, 262_144);
  for (const [flag, bad] of [
    ["--max-memory", "lots"],
    ["--max-memory", "64 megs"],
    ["--max-memory", "1.5mb"],
    ["--max-memory", "-1"],
    ["--max-memory", "0"],
    ["--max-memory", "100"],
    ["--max-memory", "65gb"],
    ["--max-memory", ""],
    ["--receive-buffer", "2gb"],
    ["--trace-timeout-ms", "0"],
    ["--trace-timeout-ms", "soon"],
  ] as const) {
    assert.throws(
      () => parseDaemonArgs([flag, bad], {}),
      (e: unknown) => e instanceof UsageError && e.message.startsWith(`${flag} must be`) && e.message.includes(`"${bad}"`),
      `${flag} ${bad}`,
    );
  }
});

test("the CLI: a malformed --max-memory exits 2 naming the flag", async () => {
  const proc = runCli(["daemon", "--max-memory", "plenty"]);
  try {
    assert.is(await withTimeout(proc.exited, 20_000, "the daemon to refuse"), 2);
    assert.match(proc.stderr(), /--max-memory must be a size .*"plenty"/);
  } finally {
    proc.kill();
  }
});

test("assembler: within its budget after every document; the oldest traces evicted first, as incomplete", () => {
  const budget = 40 * 1024;
  const { assembler, traces } = assemblerWith(budget);
  const order: string[] = [];
  for (let i = 0; i < 60; i++) {
    const traceId = newTraceId();
    order.push(traceId);
    assert.ok(assembler.add(openSegment(traceId, 20)));
    assert.ok(assembler.heldBytes <= budget, `after trace ${i}: ${assembler.heldBytes} bytes held`);
  }
  assert.ok(traces.length > 0, "some traces were evicted");
  assert.ok(assembler.openTraces > 0, "the newest are still open");
  assert.is(traces.length + assembler.openTraces, 60);
  assert.equal(
    traces.map((t) => t.traceId),
    order.slice(0, traces.length),
    "evicted oldest first",
  );
  for (const t of traces) {
    assert.is(t.finished, false);
    assert.is(t.incomplete, "evicted");
    assert.is(t.nodes, 21, "printed whole: the segment and its 20 subsegments");
  }
  assembler.close();
});

test("assembler: one trace that never completes cannot pass the budget either", () => {
  const budget = 64 * 1024;
  const { assembler, traces } = assemblerWith(budget);
  const traceId = newTraceId();
  for (let i = 0; i < 200; i++) {
    assembler.add(openSegment(traceId, 30));
    assert.ok(assembler.heldBytes <= budget, `after document ${i}: ${assembler.heldBytes} bytes held`);
  }
  assert.ok(traces.length >= 2, `${traces.length} evictions`);
  assert.ok(traces.every((t) => t.traceId === traceId && t.incomplete === "evicted"));
  // After the first eviction, the trace's documents start entries marked late.
  assert.is(traces[0]!.late, false);
  assert.ok(traces.slice(1).every((t) => t.late));
  assembler.close();
});

test("assembler: a trace still open at its deadline is printed as timed out, however busy", async () => {
  const { assembler, traces } = assemblerWith(64 * 1024 * 1024, 150);
  const traceId = newTraceId();
  const deadline = Date.now() + 10_000;
  let sent = 0;
  // Documents keep coming (the settle time, 60 s, never passes): only the deadline can print it.
  while (traces.length === 0 && Date.now() < deadline) {
    assembler.add(openSegment(traceId, 1));
    sent++;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.is(traces.length, 1, "printed before the test's deadline");
  assert.is(traces[0]!.incomplete, "timed out");
  assert.ok(traces[0]!.documents >= 2 && traces[0]!.documents <= sent);
  assembler.close();
});

test("the CLI: traces past the budget are printed as evicted, and counted", async () => {
  const daemon = await startDaemonProcess(["--max-memory", "64kb", "--settle-ms", "60000"]);
  try {
    const traceIds = Array.from({ length: 40 }, () => newTraceId());
    await sendDatagrams(
      daemon.port,
      traceIds.map((id) => datagram(openSegment(id, 40))),
    );
    await daemon.waitFor(() => daemon.stderr().includes("holding more than --max-memory"), 10_000, "the eviction notice");
    assert.is(await stopProcess(daemon), 0);
    const summary = summaryOf(daemon);
    const m = /traces 40 \(40 unfinished: 0 quiet, 0 timed out, (\d+) evicted over --max-memory, (\d+) open at stop\)/.exec(summary);
    assert.ok(m, summary);
    const evicted = Number(m![1]);
    assert.ok(evicted >= 1 && evicted + Number(m![2]) === 40, summary);
    // The note goes on a line of its own where the header would pass the width (100 columns here).
    const shown = daemon.stdout().match(/^trace \S+ .*\n?.*\(incomplete: evicted, over --max-memory\)$/gm) ?? [];
    assert.is(shown.length, evicted);
  } finally {
    daemon.kill();
  }
});

test("the CLI: a busy trace that never completes is printed as incomplete at --trace-timeout-ms, and counted", async () => {
  const daemon = await startDaemonProcess(["--trace-timeout-ms", "300", "--settle-ms", "60000"]);
  try {
    const traceId = newTraceId();
    const printed = (): boolean => daemon.stdout().includes("(incomplete: not completed within --trace-timeout-ms, dropped)");
    const deadline = Date.now() + 15_000;
    while (!printed() && Date.now() < deadline) {
      await sendDatagrams(daemon.port, [datagram(openSegment(traceId, 1))]);
      await new Promise((r) => setTimeout(r, 20)); // pacing: a busy trace, not a wait for anything
    }
    assert.ok(printed(), "printed within 15 s");
    assert.match(daemon.stdout(), new RegExp(`^trace ${traceId} .* \\d+ documents\\s+\\(incomplete`, "m"));
    assert.is(await stopProcess(daemon), 0);
    const m = /\(\d+ unfinished: 0 quiet, (\d+) timed out, 0 evicted over --max-memory, [01] open at stop\)/.exec(summaryOf(daemon));
    assert.ok(m && Number(m[1]) >= 1, summaryOf(daemon));
  } finally {
    daemon.kill();
  }
});

test.run();
