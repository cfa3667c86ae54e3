/**
 * traceHandler under Lambda's concurrency (Managed Instances), run as Lambda's Node runtime runs it
 * (fixtures/ric.mjs: the real @aws/lambda-invoke-store, context.xRayTraceId, worker threads under
 * AWS_LAMBDA_NODEJS_WORKER_COUNT), on this Node and on Node 22 and 24. Every document is read off
 * a real UDP socket, and every entity in it checked to be in its own invocation's trace: trace ID,
 * parent IDs, the invocation's request ID on each subsegment, and the headers that went out.
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { createServer, type Server } from "node:http";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateDocument } from "../../core/validate.ts";
import { NODE_VERSIONS, nodeBinary } from "../runtimes/node-binaries.ts";
import { DAEMON_HEADER, newHeader } from "./helpers.ts";

const INVOCATIONS = 68;
const WORKERS = 4;
// Invocations whose header comes another way (none of them is a worker's first: see ColdStart).
const CONTEXT_ONLY = 10; // the store holds no trace ID: context.xRayTraceId is the header
const STORE_WINS = 20; // the context holds another valid header: the store's is the one
const NO_HEADER = 30; // neither: untraced, and the decoy in _X_AMZN_TRACE_ID is not taken
const UNSAMPLED = 40; // Sampled=0: nothing sent, Sampled=0 propagated

interface Planned {
  requestId: string;
  header: string | null;
  storeHeader?: string | null;
  contextHeader?: string | null;
  event: { delays: number[] };
  root: string;
  parent: string;
}

function plan(): { invocations: Planned[]; decoys: string[] } {
  const decoyContext = newHeader();
  const invocations = Array.from({ length: INVOCATIONS }, (_, i): Planned => {
    const h = newHeader(i === UNSAMPLED ? "0" : "1");
    const p: Planned = {
      requestId: `req-${i}`,
      header: h.header,
      event: { delays: [(i * 7) % 13, (i * 5) % 11, (i * 3) % 7] },
      root: h.root,
      parent: h.parent,
    };
    if (i === CONTEXT_ONLY) p.storeHeader = null;
    if (i === STORE_WINS) p.contextHeader = decoyContext.header;
    if (i === NO_HEADER) p.header = null;
    return p;
  });
  return { invocations, decoys: [decoyContext.root] };
}

interface Seen {
  kind: "fetch" | "sdk";
  request: string;
  header: string | undefined;
}

/** The downstream service: answers fetches and X-Ray API calls a few ms later, noting each header. */
async function downstream(): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const header = req.headers["x-amzn-trace-id"] as string | undefined;
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      setTimeout(() => {
        if (req.method === "GET") {
          const request = url.searchParams.get("request") ?? "";
          seen.push({ kind: "fetch", request, header });
          res.writeHead(200, { "content-type": "text/plain" }).end(`item ${request}`);
        } else {
          seen.push({ kind: "sdk", request: JSON.parse(body || "{}").NextToken ?? "", header });
          res.writeHead(200, { "content-type": "application/json", "x-amzn-requestid": "req" }).end('{"SamplingRuleRecords":[]}');
        }
      }, seen.length % 5);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen };
}

interface Run {
  outcomes: { i: number; result?: any; error?: { name: string; message: string } }[];
  documents: Record<string, any>[];
}

/** Runs fixtures/ric.mjs under `node` with `env`, collecting `expected` documents off a UDP socket. */
async function runRic(node: string, invocations: Planned[], env: Record<string, string>, expected: number, url: string): Promise<Run> {
  // 68 documents can arrive together: a receive buffer well above Linux's default 208 KB.
  const socket = dgram.createSocket({ type: "udp4", recvBufferSize: 4 * 1024 * 1024 });
  const datagrams: string[] = [];
  socket.on("message", (m) => datagrams.push(m.toString("utf8")));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${socket.address().port}`,
    AWS_LAMBDA_FUNCTION_NAME: "fixture-function",
    _HANDLER: "concurrent.handler",
    DOWNSTREAM_URL: url,
    INVOCATIONS: JSON.stringify(invocations),
    ...env,
  };
  for (const key of ["AWS_LAMBDA_MAX_CONCURRENCY", "AWS_LAMBDA_NODEJS_WORKER_COUNT", "_X_AMZN_TRACE_ID", "AWS_XRAY_SDK_ENABLED"])
    if (!(key in env)) delete childEnv[key];
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(node, ["test/lambda/fixtures/ric.mjs", "test/lambda/fixtures/concurrent.mjs", "handler"], { env: childEnv });
      let stdout = "",
        stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`ric.mjs did not exit in 90 s\n${stderr}`));
      }, 90_000);
      child.on("close", (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout, stderr });
      });
    });
    assert.is(code, 0, stderr);
    // Every datagram was handed to the kernel before its invocation returned: they are queued on
    // the socket, and only have to be read.
    const deadline = Date.now() + 10_000;
    while (datagrams.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const outcomes = stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const documents = datagrams.map((d) => {
      if (!d.startsWith(DAEMON_HEADER)) throw new Error(`datagram without the daemon header: ${d.slice(0, 80)}`);
      return JSON.parse(d.slice(DAEMON_HEADER.length));
    });
    return { outcomes, documents };
  } finally {
    socket.close();
  }
}

/** Every subsegment under `doc`, depth first. */
function descendants(doc: Record<string, any>): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const walk = (d: Record<string, any>) => {
    for (const s of d.subsegments ?? []) {
      out.push(s);
      walk(s);
    }
  };
  walk(doc);
  return out;
}

/** Checks every invocation's outcome, document and downstream headers; returns the documents by thread. */
function checkIsolation(run: Run, invocations: Planned[], seen: Seen[], decoys: string[]): Map<number, Record<string, any>[]> {
  assert.is(run.outcomes.length, invocations.length);
  const traced = invocations.filter((_, i) => i !== NO_HEADER && i !== UNSAMPLED);
  assert.is(run.documents.length, traced.length, "one document per sampled invocation, none other");
  const byRoot = new Map(run.documents.map((d) => [d.trace_id, d]));
  for (const decoy of decoys) assert.not.ok(byRoot.has(decoy), "a header that was not the invocation's was used");
  const byThread = new Map<number, Record<string, any>[]>();
  for (const [i, p] of invocations.entries()) {
    const { result, error } = run.outcomes[i]!;
    assert.is(error, undefined, JSON.stringify(error));
    assert.is(result.id, p.requestId);
    assert.is(result.storeRequestId, p.requestId, "InvokeStore gives each invocation its own request ID");
    assert.is(result.body, `item ${p.requestId}`);
    if (i === NO_HEADER) {
      assert.equal([result.traceId, result.header, result.timerHeader], [null, null, null]);
      continue;
    }
    if (i === UNSAMPLED) {
      assert.match(result.header, new RegExp(`^Root=${p.root};Parent=[0-9a-f]{16};Sampled=0$`));
      continue;
    }
    const doc = byRoot.get(p.root);
    assert.ok(doc, `invocation ${i}'s document`);
    assert.equal(validateDocument(doc!), [], JSON.stringify(doc));
    assert.is(doc!.name, "## concurrent.handler");
    assert.is(doc!.type, "subsegment");
    assert.is(doc!.parent_id, p.parent);
    assert.is(doc!.annotations.request, p.requestId);
    assert.is(doc!.annotations.thread, result.thread);
    const subs = descendants(doc!);
    assert.equal(subs.map((s) => s.name).sort(), ["127.0.0.1", "XRay", "fetch-step", "sdk-step", "timer"]);
    const named = (n: string) => subs.find((s) => s.name === n)!;
    for (const n of ["timer", "fetch-step", "sdk-step"]) assert.is(named(n).annotations.request, p.requestId, `${n} of ${i}`);
    assert.equal(
      named("fetch-step").subsegments.map((s: any) => s.name),
      ["127.0.0.1"],
    );
    assert.equal(
      named("sdk-step").subsegments.map((s: any) => s.name),
      ["XRay"],
    );
    // What the handler saw of its context, and what went downstream, names this invocation's entities.
    assert.is(result.traceId, p.root);
    assert.is(result.header, `Root=${p.root};Parent=${doc!.id};Sampled=1`);
    assert.is(result.timerHeader, `Root=${p.root};Parent=${named("timer").id};Sampled=1`);
    const fetchSeen = seen.filter((s) => s.kind === "fetch" && s.request === p.requestId);
    const sdkSeen = seen.filter((s) => s.kind === "sdk" && s.request === p.requestId);
    assert.equal(
      fetchSeen.map((s) => s.header),
      [`Root=${p.root};Parent=${named("127.0.0.1").id};Sampled=1`],
    );
    assert.equal(
      sdkSeen.map((s) => s.header),
      [`Root=${p.root};Parent=${named("XRay").id};Sampled=1`],
    );
    byThread.set(result.thread, [...(byThread.get(result.thread) ?? []), doc!]);
  }
  return byThread;
}

/** The invocations of each thread overlapped in time: the isolation above was tested under concurrency. */
function checkOverlap(byThread: Map<number, Record<string, any>[]>): void {
  for (const [thread, docs] of byThread) {
    const sorted = [...docs].sort((a, b) => a.start_time - b.start_time);
    const overlapping = sorted.filter((d, i) => i > 0 && d.start_time < sorted[i - 1]!.end_time).length;
    assert.ok(
      overlapping >= docs.length / 2,
      `thread ${thread}: ${overlapping} of ${docs.length} invocations began before the previous ended`,
    );
  }
}

/** ColdStart: true on exactly one document per thread that ran invocations (each loaded the code itself). */
function checkColdStarts(byThread: Map<number, Record<string, any>[]>, threads: number): void {
  assert.is(byThread.size, threads, "every thread ran invocations");
  for (const [thread, docs] of byThread) {
    assert.is(docs.filter((d) => d.annotations.ColdStart === true).length, 1, `thread ${thread}: one cold start`);
    assert.ok(docs.every((d) => typeof d.annotations.ColdStart === "boolean"));
  }
}

/** This Node first, then every other version the tests run on. */
const thisMajor = Number.parseInt(process.versions.node, 10);
const nodes: [string, string][] = [
  [`node ${process.versions.node}`, process.execPath],
  ...Object.keys(NODE_VERSIONS)
    .map(Number)
    .filter((major) => major !== thisMajor)
    .map((major): [string, string] => [`node ${major}`, nodeBinary(major as keyof typeof NODE_VERSIONS)]),
];

for (const [label, node] of nodes) {
  test(`${label}: ${INVOCATIONS} concurrent invocations on ${WORKERS} worker threads, every entity in its own invocation's trace`, async () => {
    const { invocations, decoys } = plan();
    const decoyEnv = newHeader();
    const { server, url, seen } = await downstream();
    try {
      const run = await runRic(
        node,
        invocations,
        { AWS_LAMBDA_MAX_CONCURRENCY: "32", AWS_LAMBDA_NODEJS_WORKER_COUNT: String(WORKERS), _X_AMZN_TRACE_ID: decoyEnv.header },
        INVOCATIONS - 2,
        url,
      );
      const byThread = checkIsolation(run, invocations, seen, [...decoys, decoyEnv.root]);
      assert.not.ok(byThread.has(0), "no invocation ran on the main thread");
      checkOverlap(byThread);
      checkColdStarts(byThread, WORKERS);
    } finally {
      server.close();
    }
  });
}

test(`${INVOCATIONS} concurrent invocations in one thread, every entity in its own invocation's trace, one cold start`, async () => {
  const { invocations, decoys } = plan();
  const decoyEnv = newHeader();
  const { server, url, seen } = await downstream();
  try {
    const run = await runRic(
      process.execPath,
      invocations,
      { AWS_LAMBDA_MAX_CONCURRENCY: "128", _X_AMZN_TRACE_ID: decoyEnv.header },
      INVOCATIONS - 2,
      url,
    );
    const byThread = checkIsolation(run, invocations, seen, [...decoys, decoyEnv.root]);
    checkOverlap(byThread);
    checkColdStarts(byThread, 1);
  } finally {
    server.close();
  }
});

test("one invocation at a time (AWS_LAMBDA_MAX_CONCURRENCY unset): _X_AMZN_TRACE_ID is the header when neither the store nor the context has one", async () => {
  const h = [newHeader(), newHeader()];
  const invocations: Planned[] = h.map((x, i) => ({
    requestId: `seq-${i}`,
    header: x.header,
    storeHeader: null,
    contextHeader: null,
    event: { delays: [1, 1, 1] },
    root: x.root,
    parent: x.parent,
  }));
  const { server, url } = await downstream();
  try {
    const run = await runRic(process.execPath, invocations, {}, 2, url);
    assert.equal(
      run.documents.map((d) => [d.trace_id, d.parent_id, d.annotations.request, d.annotations.ColdStart]),
      [
        [h[0]!.root, h[0]!.parent, "seq-0", true],
        [h[1]!.root, h[1]!.parent, "seq-1", false],
      ],
    );
  } finally {
    server.close();
  }
});

test.run();
