/**
 * Whole Lambda traces from real runtimes: xray-edge's runtime loop (dist/bootstrap.js) runs a
 * traced handler (fixtures/traced.mjs) on node (cold and warm), bun and deno; every document the
 * emulator and the function send is checked as one tree (lambda-tree.ts). Then `xray-edge invoke`
 * as a process: --tracing active with the in-repo daemon printing the trace as a waterfall, and
 * the default pass-through with and without an upstream --trace-header.
 */
import { rmSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startDaemon } from "../../bin/daemon/server.ts";
import type { AssembledTrace } from "../../bin/daemon/assembler.ts";
import type { TraceNode } from "../../bin/daemon/tree.ts";
import { startEmulator, type Emulator } from "../../bin/invoke/emulator.ts";
import { runtimeCommand, type RuntimeName } from "../../bin/invoke/runtime-command.ts";
import { LambdaSampler } from "../../bin/invoke/tracing.ts";
import { FIXTURES, ROOT, checkTraceHeader, collector, fixtureBootstrap, runCli, udpCollector, waitFor } from "./helpers.ts";
import { checkLambdaTree } from "./lambda-tree.ts";

const rootOf = (header: string | null): string => /Root=([^;]+)/.exec(header ?? "")?.[1] ?? "";

async function traced(
  runtime: RuntimeName,
  body: (em: Emulator, udp: Awaited<ReturnType<typeof udpCollector>>, logs: () => string) => Promise<void>,
) {
  const udp = await udpCollector();
  const logs = collector();
  const em = await startEmulator({
    command: runtimeCommand(runtime, ROOT),
    taskRoot: FIXTURES,
    handler: "traced.handler",
    functionName: `tree-${runtime}`,
    daemonAddress: udp.address,
    tracing: "active",
    // random 0 is under 5%: every invocation sampled, not only the first of each second.
    sampler: new LambdaSampler(Date.now, () => 0),
    timeoutMs: 20_000,
    log: logs.log,
  });
  try {
    await body(em, udp, logs.text);
  } finally {
    await em.close();
    udp.close();
  }
}

test("node: a cold and a warm invocation, each one tree: service, function, Initialization on the cold one only, the handler under Invocation", () =>
  traced("node", async (em, udp, logs) => {
    const t0 = Date.now();
    const cold = await em.invoke({ n: 1 });
    const t1 = Date.now();
    const warm = await em.invoke({ n: 2, fail: true });
    assert.is(cold.status, "success", logs());
    assert.is(warm.status, "error", logs());
    await em.idle(); // the runtime asked for its next event: both Overheads have ended
    for (const r of [cold, warm]) await waitFor(() => udp.ofTrace(rootOf(r.traceHeader)).length >= 3, 10_000, `${r.requestId}'s documents`);
    const coldTree = checkLambdaTree(udp.ofTrace(rootOf(cold.traceHeader)), {
      header: cold.traceHeader!,
      functionName: "tree-node",
      requestId: cold.requestId,
      cold: true,
      fromMs: t0,
      toMs: Date.now(),
      ownDocuments: 1,
    });
    const warmTree = checkLambdaTree(udp.ofTrace(rootOf(warm.traceHeader)), {
      header: warm.traceHeader!,
      functionName: "tree-node",
      requestId: warm.requestId,
      cold: false,
      fromMs: t1,
      toMs: Date.now(),
      ownDocuments: 1,
    });
    // The handler's own subsegment and what it nests, as the runtime loop sent them.
    const handler = coldTree.own[0]!;
    assert.is(handler.name, "## traced.handler");
    assert.is(handler.annotations?.ColdStart, true);
    assert.equal(
      handler.subsegments.map((s: Record<string, any>) => [s.name, s.subsegments?.map((i: Record<string, any>) => i.name)]),
      [["work", ["inner"]]],
    );
    assert.is(warmTree.own[0]!.annotations?.ColdStart, false);
    assert.is(warmTree.own[0]!.fault, true);
    assert.is(warmTree.fn.fault, true, "Lambda's function segment records the failed invocation");
    assert.is(coldTree.fn.fault, undefined);
  }));

for (const runtime of ["bun", "deno"] as const) {
  test(`${runtime}: one invocation, the whole tree`, () =>
    traced(runtime, async (em, udp, logs) => {
      const t0 = Date.now();
      const r = await em.invoke({ n: 7 });
      assert.is(r.status, "success", logs());
      await em.idle();
      await waitFor(() => udp.ofTrace(rootOf(r.traceHeader)).length >= 3, 10_000, `${runtime}'s documents`);
      const tree = checkLambdaTree(udp.ofTrace(rootOf(r.traceHeader)), {
        header: r.traceHeader!,
        functionName: `tree-${runtime}`,
        requestId: r.requestId,
        cold: true,
        fromMs: t0,
        toMs: Date.now(),
        ownDocuments: 1,
      });
      assert.is(tree.own[0]!.name, "## traced.handler");
    }));
}

/** The tree's nodes depth first, each as "<depth> <name>". */
function outline(nodes: TraceNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [`${depth} ${n.name}`, ...outline(n.children, depth + 1)]);
}

test("xray-edge invoke --tracing active: the daemon assembles one finished trace, all documents valid, and its waterfall shows the whole tree", async () => {
  let printed = "";
  const traces: AssembledTrace[] = [];
  const daemon = await startDaemon({
    address: { host: "127.0.0.1", port: 0, family: 4 },
    settleMs: 5000,
    quiet: true,
    color: false,
    stdout: { write: (text: string) => void (printed += text), columns: 120 },
    onTrace: (t) => void traces.push(t),
  });
  try {
    const run = await runCli(
      [
        "invoke",
        "--handler",
        "traced.handler",
        "--task-root",
        FIXTURES,
        "--function-name",
        "cli-tree",
        "--tracing",
        "active",
        "--daemon-address",
        `${daemon.address.host}:${daemon.address.port}`,
        "--event",
        '{"n":3}',
        "--json",
      ],
      {},
      60_000,
    );
    assert.is(run.code, 0, run.err);
    const line = JSON.parse(run.out) as { traceId: string; traceHeader: string };
    // The first request of the emulator's first second: the reservoir samples it.
    assert.match(line.traceHeader, /;Sampled=1$/);
    const traceId = rootOf(line.traceHeader);
    assert.is(line.traceId, traceId);
    await waitFor(() => traces.some((t) => t.traceId === traceId), 15_000, "the daemon to print the trace");
    const trace = traces.find((t) => t.traceId === traceId)!;
    assert.ok(trace.finished, `finished, not printed as ${trace.incomplete}`);
    assert.is(trace.documents, 3);
    assert.equal(outline(trace.roots), [
      "0 cli-tree",
      "1 cli-tree",
      "2 Initialization",
      "2 Invocation",
      "3 ## traced.handler",
      "4 work",
      "5 inner",
      "2 Overhead",
    ]);
    const stats = daemon.stats();
    assert.is(stats.documents, 3);
    assert.is(stats.valid, 3, "every document passes the daemon's validator");
    // The waterfall as printed: the header, then every node in that order.
    const section = printed.slice(printed.indexOf(`trace ${traceId}`));
    assert.match(section, new RegExp(`^trace ${traceId} +[\\d.]+ ms +3 documents\\n`));
    const rows = section.split("\n").slice(1, 9);
    const names = ["cli-tree", "cli-tree", "Initialization", "Invocation", "## traced.handler", "work", "inner", "Overhead"];
    // Whatever the layout puts before a name (indentation, tree lines), then the name.
    for (const [i, row] of rows.entries()) assert.ok(row.replace(/^[^A-Za-z0-9#]*/, "").startsWith(`${names[i]} `), `row ${i}: ${row}`);
  } finally {
    await daemon.stop();
  }
});

test("xray-edge invoke: pass-through by default sends nothing; --trace-header with Sampled=1 is traced under the upstream Parent", async () => {
  const udp = await udpCollector();
  const { dir, bootstrap } = fixtureBootstrap();
  try {
    const common = ["invoke", "--bootstrap", bootstrap, "--daemon-address", udp.address, "--json", "--event", '{"action":"echo"}'];
    const plain = await runCli(common);
    assert.is(plain.code, 0, plain.err);
    const plainLine = JSON.parse(plain.out) as { traceHeader: string };
    checkTraceHeader(plainLine.traceHeader, "0", Date.now() - 60_000, Date.now());

    const upstreamRoot = "1-6b057c40-0123456789abcdef01234567";
    const t0 = Date.now();
    const run = await runCli([...common, "--trace-header", `Root=${upstreamRoot};Parent=53995c3f42cd8ad8;Sampled=1`]);
    assert.is(run.code, 0, run.err);
    const line = JSON.parse(run.out) as {
      requestId: string;
      traceId: string;
      traceHeader: string;
      response: { headers: Record<string, string> };
    };
    assert.match(line.traceHeader, new RegExp(`^Root=${upstreamRoot};Parent=[0-9a-f]{16};Sampled=1$`));
    assert.is(line.traceId, upstreamRoot);
    assert.is(line.response.headers["lambda-runtime-trace-id"], line.traceHeader, "what the runtime got");
    await waitFor(() => udp.ofTrace(upstreamRoot).length >= 2, 10_000, "Lambda's segments of the upstream trace");
    checkLambdaTree(udp.ofTrace(upstreamRoot), {
      header: line.traceHeader,
      functionName: "local-function",
      requestId: line.requestId,
      cold: true,
      upstreamParent: "53995c3f42cd8ad8",
      fromMs: t0,
      toMs: Date.now(),
      ownDocuments: 0,
    });
    // The first run's process ended before the second began: anything it sent would be here.
    assert.is(udp.docs.length, 2, JSON.stringify(udp.docs));
  } finally {
    udp.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
