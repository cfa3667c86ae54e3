/**
 * Lambda's own segments from the emulator, with the test playing the runtime over HTTP (so it
 * knows when each `next` and response happened): Initialization from the process start to the
 * first `next`, Overhead from the response to the next `next` (or the runtime's end, or the
 * emulator's close), nothing for Sampled=0, an upstream header obeyed in both modes.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../bin/invoke/emulator.ts";
import { performance } from "node:perf_hooks";
import type { Pending } from "../../bin/invoke/invocation.ts";
import { LambdaSegments } from "../../bin/invoke/lambda-segments.ts";
import { LambdaSampler } from "../../bin/invoke/tracing.ts";
import { IDLE_COMMAND, checkTraceHeader, expectingRejections, collector, udpCollector, waitFor } from "./helpers.ts";
import { CLOCK_SLACK_S, checkLambdaTree } from "./lambda-tree.ts";

const api = (em: Emulator): string => `http://${em.address}/2018-06-01/runtime`;
const next = (em: Emulator): Promise<Response> => fetch(`${api(em)}/invocation/next`);
const respond = (em: Emulator, id: string, body = "{}", kind = "response"): Promise<Response> =>
  fetch(`${api(em)}/invocation/${id}/${kind}`, { method: "POST", body });
const rootOf = (header: string): string => /Root=([^;]+)/.exec(header)![1]!;
/** Sampled with random 0 < 5%: every invocation, whatever the reservoir. */
const always = (): LambdaSampler => new LambdaSampler(Date.now, () => 0);

async function withEmulator(
  options: Partial<EmulatorOptions>,
  body: (em: Emulator, udp: Awaited<ReturnType<typeof udpCollector>>) => Promise<void>,
): Promise<void> {
  const udp = await udpCollector();
  const em = expectingRejections(
    await startEmulator({ command: IDLE_COMMAND, quiet: true, daemonAddress: udp.address, functionName: "seg-fn", ...options }),
  );
  try {
    await body(em, udp);
  } finally {
    await em.close();
    udp.close();
  }
}

test("cold then warm: Initialization spans the process start to the first next, Overhead ends at the next next", () =>
  withEmulator({ tracing: "active", sampler: always() }, async (em, udp) => {
    const t0 = Date.now();
    const first = em.invoke({ n: 1 });
    const beforeNext = Date.now();
    const n1 = await next(em);
    const afterNext = Date.now();
    const h1 = n1.headers.get("lambda-runtime-trace-id")!;
    checkTraceHeader(h1, "1", t0, afterNext);
    const id1 = n1.headers.get("lambda-runtime-aws-request-id")!;
    await n1.text();
    const beforeResponse = Date.now();
    await respond(em, id1);
    const r1 = await first;

    const beforeNext2 = Date.now();
    const second = em.invoke({ n: 2 });
    const n2 = await next(em); // ends the first invocation's Overhead
    await waitFor(() => udp.ofTrace(rootOf(h1)).length >= 2, 10_000, "the first invocation's segments");
    const afterDocs = Date.now();
    const cold = checkLambdaTree(udp.ofTrace(rootOf(h1)), {
      header: h1,
      functionName: "seg-fn",
      requestId: r1.requestId,
      cold: true,
      fromMs: t0,
      toMs: afterDocs,
      ownDocuments: 0,
    });
    const init = cold.initialization!;
    assert.ok(
      init.end_time >= beforeNext / 1000 - CLOCK_SLACK_S && init.end_time <= afterNext / 1000 + CLOCK_SLACK_S,
      "init ends at the first next",
    );
    assert.ok(cold.invocation.end_time >= beforeResponse / 1000 - CLOCK_SLACK_S, "Invocation ends at the response");
    assert.ok(cold.overhead.end_time >= beforeNext2 / 1000 - CLOCK_SLACK_S, "Overhead lasts until the runtime's next request");

    const h2 = n2.headers.get("lambda-runtime-trace-id")!;
    const id2 = n2.headers.get("lambda-runtime-aws-request-id")!;
    await n2.text();
    assert.is.not(rootOf(h2), rootOf(h1));
    await respond(em, id2, "", "error");
    const r2 = await second;
    assert.is(r2.status, "error");
    await em.close(); // the runtime never asks again: Overhead ends with the emulator
    const afterClose = Date.now();
    await waitFor(() => udp.ofTrace(rootOf(h2)).length >= 2, 10_000, "the second invocation's segments, sent on close");
    const warm = checkLambdaTree(udp.ofTrace(rootOf(h2)), {
      header: h2,
      functionName: "seg-fn",
      requestId: r2.requestId,
      cold: false,
      fromMs: beforeNext2,
      toMs: afterClose,
      ownDocuments: 0,
    });
    assert.is(warm.fn.fault, true, "a function error faults the function segment");
    assert.is(warm.invocation.fault, true);
    assert.is(warm.service.fault, undefined, "the service itself answered");
    assert.is(cold.fn.fault, undefined);
  }));

test("passthrough: Sampled=0 without an upstream header, and nothing sent; an upstream Sampled=1 is traced under its Parent", () =>
  withEmulator({ tracing: "passthrough" }, async (em, udp) => {
    const upstreamRoot = "1-6b057c40-0123456789abcdef01234567";
    const run = async (options: Parameters<Emulator["invoke"]>[1]) => {
      const result = em.invoke({}, options);
      const n = await next(em);
      const header = n.headers.get("lambda-runtime-trace-id")!;
      await n.text();
      await respond(em, n.headers.get("lambda-runtime-aws-request-id")!);
      return { header, result: await result };
    };
    const t0 = Date.now();
    const plain = await run({});
    checkTraceHeader(plain.header, "0", t0, Date.now());
    const refused = await run({ upstreamHeader: `Root=${upstreamRoot};Parent=1111111111111111;Sampled=0` });
    assert.match(refused.header, new RegExp(`^Root=${upstreamRoot};Parent=(?!1111111111111111)[0-9a-f]{16};Sampled=0$`));
    const undecided = await run({ upstreamHeader: `Root=${upstreamRoot};Parent=2222222222222222` });
    assert.match(undecided.header, /;Sampled=0$/, "no decision upstream: pass-through does not sample");
    const traced = await run({ upstreamHeader: `Root=${upstreamRoot};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1` });
    assert.match(traced.header, new RegExp(`^Root=${upstreamRoot};Parent=[0-9a-f]{16};Sampled=1$`), "other fields are not passed on");
    void next(em).catch(() => {}); // ends the traced invocation's Overhead
    await waitFor(() => udp.ofTrace(upstreamRoot).length >= 2, 10_000, "the traced invocation's segments");
    checkLambdaTree(udp.ofTrace(upstreamRoot), {
      header: traced.header,
      functionName: "seg-fn",
      requestId: traced.result.requestId,
      cold: false,
      upstreamParent: "53995c3f42cd8ad8",
      fromMs: t0,
      toMs: Date.now(),
      ownDocuments: 0,
    });
    // The same socket sent everything in order: the unsampled ones would have come first.
    assert.is(udp.docs.length, 2, JSON.stringify(udp.docs));
    const bad = await em.invoke({}, { upstreamHeader: "Root=1-bad" }).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.instance(bad, TypeError);
    assert.match(bad!.message, /^invoke: upstreamHeader needs Root=/);
  }));

test("active: an upstream Sampled=0 stands; a timed-out invocation's segments are faulted and sent when the runtime is gone", () =>
  withEmulator({ tracing: "active", sampler: always(), timeoutMs: 300 }, async (em, udp) => {
    const root = "1-6b057c40-89abcdef0123456789abcdef";
    const refused = em.invoke({}, { upstreamHeader: `Root=${root};Sampled=0` });
    const n1 = await next(em);
    assert.match(n1.headers.get("lambda-runtime-trace-id")!, new RegExp(`^Root=${root};Parent=[0-9a-f]{16};Sampled=0$`));
    await n1.text();
    await respond(em, n1.headers.get("lambda-runtime-aws-request-id")!);
    await refused;

    const t0 = Date.now();
    const hung = em.invoke({});
    const n2 = await next(em);
    const header = n2.headers.get("lambda-runtime-trace-id")!;
    await n2.text();
    const r = await hung; // never answered: the emulator kills the runtime at 300 ms
    assert.is(r.status, "timeout");
    await waitFor(() => udp.ofTrace(rootOf(header)).length >= 2, 10_000, "the timed-out invocation's segments");
    const tree = checkLambdaTree(udp.ofTrace(rootOf(header)), {
      header,
      functionName: "seg-fn",
      requestId: r.requestId,
      cold: false,
      fromMs: t0,
      toMs: Date.now(),
      ownDocuments: 0,
    });
    assert.ok(tree.invocation.end_time - tree.invocation.start_time >= 0.3 - CLOCK_SLACK_S, "Invocation lasts until the timeout");
    assert.is(tree.fn.fault, true);
    assert.is(udp.docs.length, 2, "nothing for the upstream's Sampled=0");
  }));

test("the runtime's X-Ray error cause lands on the Invocation subsegment; one that would not validate is left out", () =>
  withEmulator({ tracing: "active", sampler: always() }, async (em, udp) => {
    const cause = {
      working_directory: "/var/task",
      paths: ["/var/task/index.mjs"],
      exceptions: [{ type: "TypeError", message: "boom", stack: [{ path: "index.mjs", line: 3, label: "handler" }] }],
    };
    const sent: Array<{ header: string; cause: string }> = [
      { header: "", cause: JSON.stringify(cause) },
      { header: "", cause: JSON.stringify({ exceptions: "not a list" }) },
    ];
    for (const one of sent) {
      const result = em.invoke({});
      const n = await next(em);
      one.header = n.headers.get("lambda-runtime-trace-id")!;
      await n.text();
      await fetch(`${api(em)}/invocation/${n.headers.get("lambda-runtime-aws-request-id")}/error`, {
        method: "POST",
        headers: { "Lambda-Runtime-Function-Error-Type": "TypeError", "Lambda-Runtime-Function-XRay-Error-Cause": one.cause },
        body: JSON.stringify({ errorType: "TypeError", errorMessage: "boom" }),
      });
      assert.is((await result).status, "error");
    }
    void next(em).catch(() => {}); // ends the last invocation's Overhead
    for (const { header } of sent) await waitFor(() => udp.ofTrace(rootOf(header)).length >= 2, 10_000, "both invocations' segments");
    const invocationOf = (header: string): Record<string, unknown> => {
      const fn = udp.ofTrace(rootOf(header)).find((d) => d.origin === "AWS::Lambda::Function")!;
      return (fn.subsegments as Array<Record<string, unknown>>).find((x) => x.name === "Invocation")!;
    };
    const got = invocationOf(sent[0]!.header).cause as { exceptions: Array<{ id: string }> };
    assert.match(got.exceptions[0]!.id, /^[0-9a-f]{16}$/, "each exception is given the id the schema requires");
    assert.equal(got, { ...cause, exceptions: [{ id: got.exceptions[0]!.id, ...cause.exceptions[0]! }] });
    assert.is(invocationOf(sent[0]!.header).fault, true);
    assert.is(invocationOf(sent[1]!.header).cause, undefined, "a cause that breaks the schema is not sent");
    assert.is(invocationOf(sent[1]!.header).fault, true, "the fault stays");
  }));

test("functionSegment: false, or no daemon address: no segments, and tracing decisions all the same", async () => {
  const udp = await udpCollector();
  const em = await startEmulator({ command: IDLE_COMMAND, quiet: true, daemonAddress: udp.address, functionSegment: false, sampled: "1" });
  try {
    const result = em.invoke({});
    const n = await next(em);
    checkTraceHeader(n.headers.get("lambda-runtime-trace-id"), "1", Date.now() - 60_000, Date.now());
    await n.text();
    await respond(em, n.headers.get("lambda-runtime-aws-request-id")!);
    await result;
  } finally {
    await em.close();
  }
  // A second emulator that does send, to the same socket, after the first has closed: its two
  // documents arriving first and alone show that the first sent nothing.
  const other = await startEmulator({ command: IDLE_COMMAND, quiet: true, daemonAddress: udp.address, sampled: "1" });
  try {
    const result = other.invoke({});
    const n = await next(other);
    await n.text();
    await respond(other, n.headers.get("lambda-runtime-aws-request-id")!);
    await result;
  } finally {
    await other.close();
  }
  await waitFor(() => udp.docs.length >= 2, 10_000, "the second emulator's segments");
  assert.equal(
    udp.docs.map((d) => d.origin),
    ["AWS::Lambda::Function", "AWS::Lambda"],
  );
  udp.close();
  const refused = await startEmulator({ command: IDLE_COMMAND, tracing: "Active" as never }).then(
    () => undefined,
    (e: Error) => e,
  );
  assert.match(refused?.message ?? "", /^startEmulator: tracing must be one of active, passthrough, not "Active"$/);
});

test("a daemon address that does not resolve: the failure is logged once, naming it, and nothing throws or hangs", async () => {
  const logs = collector();
  const em = await startEmulator({ command: IDLE_COMMAND, log: logs.log, daemonAddress: "daemon.invalid:2000", sampled: "1" });
  try {
    for (let i = 0; i < 2; i++) {
      const result = em.invoke({});
      const n = await next(em);
      await n.text();
      await respond(em, n.headers.get("lambda-runtime-aws-request-id")!);
      assert.is((await result).status, "success");
    }
  } finally {
    await em.close(); // sends the second invocation's segments, and waits for their outcome
  }
  await waitFor(() => /Lambda's segments could not be sent/.test(logs.text()), 10_000, "the failure to be logged");
  const failures = logs.lines.filter((l) => l.includes("Lambda's segments could not be sent"));
  assert.equal(failures.length, 1, logs.text());
  assert.match(
    failures[0]!,
    /^xray-edge invoke: Lambda's segments could not be sent to daemon\.invalid:2000: .*\(later failures are counted, not logged\)$/,
  );
});

test("close() gives up on sends that never call back, counting them as failed", async () => {
  const logs = collector();
  const segments = new LambdaSegments(
    "127.0.0.1:9",
    { functionName: "f", arn: "arn:aws:lambda:us-east-1:000000000000:function:f" },
    logs.log,
  );
  // A socket whose sends never complete, as one waiting on a host name lookup that hangs.
  (segments as unknown as { socket: { send: () => void } }).socket.send = () => {};
  const now = performance.now();
  const p = {
    requestId: "r",
    queuedAt: now,
    deliveredAt: now,
    lambda: { traceId: "1-6b057c40-0123456789abcdef01234567", invocationId: "53995c3f42cd8ad8" },
  };
  segments.ended(p as unknown as Pending, false);
  await segments.close();
  assert.equal(segments.stats(), { sent: 0, failed: 2 });
  assert.match(logs.text(), /Lambda's segments could not be sent to 127\.0\.0\.1:9: 2 sends not done 1000 ms after close/);
});

test.run();
