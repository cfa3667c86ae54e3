/**
 * Issue 11, the runtime loop (xray-edge/runtime): each row is a handler that misbehaves, the events
 * it gets and what must follow, run under the project's emulator (bin/invoke startEmulator) with
 * dist/bootstrap.js as a real process on Node, Bun and Deno at once. The handlers are
 * test/runtime's fixtures (faults.mjs, timeout.mjs); a UDP listener stands in for the daemon.
 */
import dgram from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator, type InvocationResult } from "../../bin/invoke/emulator.ts";
import { DAEMON_HEADER, FIXTURES, RUNTIMES, UdpListener, bootstrapCommand, within } from "../runtime/helpers.ts";

/** What an invocation must give: its status, and the error's type and message or the response. */
interface Outcome {
  status: InvocationResult["status"];
  errorType?: string;
  errorMessage?: string;
  response?: unknown;
}

interface Row {
  case: string;
  handler: string;
  env?: Record<string, string>;
  timeoutMs: number;
  events: unknown[];
  expect: {
    outcomes: Outcome[];
    /** Whether one runtime process served every event, or the first one's process ended. */
    process: "kept" | "replaced after the first";
    /** In the emulator's log. */
    log?: RegExp;
    /** Nowhere in the emulator's log (the runtime's output included). */
    notInLog?: RegExp;
    /** The documents of the first invocation's trace as the daemon got them: [name, open|closed, ...children]. */
    trace?: unknown[];
  };
}

const ROWS: Row[] = [
  // The loop's own Runtime API calls must not go through the replaced fetch: with RUNTIME_ERROR
  // they would throw outside any segment.
  {
    case: "a handler module that sets globalThis.fetch = instrumentFetch(), RUNTIME_ERROR",
    handler: "faults.handler",
    env: { AWS_XRAY_CONTEXT_MISSING: "RUNTIME_ERROR" },
    timeoutMs: 5000,
    events: [
      { action: "echo", payload: 1 },
      { action: "echo", payload: 2 },
    ],
    expect: {
      outcomes: [
        { status: "success", response: { echo: 1, replaced: true } },
        { status: "success", response: { echo: 2, replaced: true } },
      ],
      process: "kept",
      notInLog: /context missing|no segment|ContextMissing/i,
    },
  },
  // As Lambda's Node runtime: the error posted for the invocation, then exit 128.
  {
    case: "an unhandled rejection",
    handler: "faults.handler",
    timeoutMs: 5000,
    events: [
      { action: "reject", message: "nobody caught me" },
      { action: "echo", payload: "fresh" },
    ],
    expect: {
      outcomes: [
        { status: "error", errorType: "Runtime.UnhandledPromiseRejection", errorMessage: "RangeError: nobody caught me" },
        { status: "success", response: { echo: "fresh", replaced: true } },
      ],
      process: "replaced after the first",
      log: /runtime \(pid \d+\) ended: Runtime exited with error: exit status 128/,
    },
  },
  // Nothing keeps the event loop busy but the runtime: it must wait, not exit (Runtime.ExitError).
  {
    case: "a promise that never settles",
    handler: "faults.handler",
    timeoutMs: 2000,
    events: [{ action: "never" }],
    expect: {
      outcomes: [{ status: "timeout", errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 2.00 seconds" }],
      process: "kept",
      // The kill at the deadline ends it by a signal; an exit of its own would give a status.
      notInLog: /Runtime\.ExitError|ended: Runtime exited (with error: exit status|without providing a reason)/,
    },
  },
  // Killed at the deadline: what closed was sent before, inside the handler's subsegment in progress.
  {
    case: "a handler that hangs past its deadline",
    handler: "timeout.handler",
    timeoutMs: 3000,
    events: [{ hang: true }],
    expect: {
      outcomes: [{ status: "timeout", errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 3.00 seconds" }],
      process: "kept",
      trace: [["## timeout.handler", "open", ["first", "closed"], ["second", "closed"], ["stuck", "open", ["inner", "closed"]]]],
    },
  },
];

const shape = (doc: Record<string, any>): unknown[] => [
  doc.name,
  doc.in_progress === true ? "open" : "closed",
  ...(doc.subsegments ?? []).map(shape),
];

/** Sends a marker document and waits for it: everything sent to the listener before it has been read. */
async function drained(udp: UdpListener): Promise<void> {
  const socket = dgram.createSocket("udp4");
  const [host, port] = udp.address.split(":");
  await new Promise<void>((r, j) => socket.send(`${DAEMON_HEADER}{"trace_id":"marker"}`, Number(port), host, (e) => (e ? j(e) : r())));
  socket.close();
  const [marker] = await udp.forTrace("marker", 1, 10_000);
  assert.ok(marker, "the marker datagram came back");
}

function outcomeOf(r: InvocationResult, want: Outcome): Outcome {
  const got: Outcome = { status: r.status };
  if ("errorType" in want) got.errorType = r.error?.errorType;
  // The emulator prefixes Lambda's "RequestId: … Error: "; the message is what follows.
  if ("errorMessage" in want) got.errorMessage = r.error?.errorMessage?.replace(/^RequestId: \S+ Error: /, "");
  if ("response" in want) got.response = r.response;
  return got;
}

for (const row of ROWS) {
  test(`${row.case}: ${row.expect.outcomes.map((o) => o.errorType ?? o.status).join(", ")}`, async () => {
    const runs = RUNTIMES.map(async (runtime) => {
      const udp = await UdpListener.start();
      const logs: string[] = [];
      const [cmd, args] = bootstrapCommand(runtime);
      const em = await startEmulator({
        command: [cmd, ...args],
        taskRoot: FIXTURES,
        handler: row.handler,
        timeoutMs: row.timeoutMs,
        daemonAddress: udp.address,
        functionSegment: false,
        env: { NO_COLOR: "1", ...row.env },
        log: (line) => void logs.push(line),
      });
      try {
        const results = await within(40_000, `${runtime}: ${row.case}`, Promise.all(row.events.map((e) => em.invoke(e))));
        await em.idle();
        // The runtime has exited once close() resolves: nothing more can be sent after the marker.
        await em.close();
        await drained(udp);
        return { runtime, results, log: logs.join("\n"), documents: udp.documents };
      } finally {
        await em.close(); // a no-op once closed; here for a step above that threw
        udp.close();
      }
    });
    for (const { runtime, results, log, documents } of await Promise.all(runs)) {
      const { expect } = row;
      assert.equal(
        results.map((r, i) => outcomeOf(r, expect.outcomes[i]!)),
        expect.outcomes,
        `${runtime}: ${JSON.stringify(results)}\n${log}`,
      );
      const pids = results.map((r) => r.pid);
      if (expect.process === "kept") assert.is(new Set(pids).size, 1, `${runtime}: one process: ${pids}`);
      else
        assert.ok(
          pids.slice(1).every((p) => p !== pids[0]),
          `${runtime}: a fresh process after the first: ${pids}`,
        );
      if (expect.log) assert.match(log, expect.log, runtime);
      if (expect.notInLog) assert.not.match(log, expect.notInLog, `${runtime}: ${log}`);
      if (expect.trace) {
        const root = /Root=([^;]+)/.exec(results[0]!.traceHeader ?? "")![1];
        const docs = documents.filter((d) => d.trace_id === root);
        assert.equal(docs.map(shape), expect.trace, `${runtime}: ${JSON.stringify(docs)}`);
      }
    }
  });
}

test.run();
