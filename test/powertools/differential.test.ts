/**
 * Issue 16, points 3 and 8: the same trace. Handlers written against @aws-lambda-powertools/tracer
 * (fixtures/*.ts: decorators, the middy middleware with a traced fetch, manual instrumentation) run as Lambda's Node
 * runtime runs them, once on Powertools and once with only the import changed to
 * xray-edge/powertools (the built package: ESM, CommonJS, legacy and standard decorators), on the
 * Node running the tests and on Node 22 and 24. Every entity each side sends is compared (names,
 * annotations, metadata keys, values and namespaces, `aws` and `http` fields, fault/error/throttle,
 * causes); every difference must be a category of docs/compatibility.md's Powertools section.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { validateDocument } from "../../core/validate.ts";
import { nodeBinary } from "../runtimes/node-binaries.ts";
import { CLASSIFIERS, classify, compareTrees, type Difference, documentedCategories, tree } from "./compare.ts";
import { compile, entities, type Invocation, label, runFixture, startDynamoDb, type Variant } from "./harness.ts";

/** A fresh header per invocation, as Lambda gives (Sampled=1: Active tracing sampled it). */
function header(sampled: "1" | "0"): { header: string; root: string; parent: string } {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const parent = randomBytes(8).toString("hex");
  return { header: `Root=${root};Parent=${parent};Sampled=${sampled}`, root, parent };
}

interface Scenario {
  fixture: string;
  /** What the scenario varies, for the test's title. */
  title?: string;
  /** Set for the handler's process, on both sides (Lambda's variables are set by the harness). */
  env?: Record<string, string>;
  /** The headers' Sampled (default 1). */
  sampled?: "1" | "0";
  /** Run on the Node running the tests only (settings do not depend on the version). */
  currentNodeOnly?: boolean;
  events: Record<string, unknown>[];
  /** Written by hand: the entities each invocation sends, by name, on either side. */
  expected: string[][];
  /** The variants of xray-edge/powertools compared with the peer. */
  ours: Variant[];
}

const esm = (decorators: "legacy" | "standard" = "legacy"): Variant => ({ side: "ours", decorators, format: "esm" });
const cjs: Variant = { side: "ours", decorators: "legacy", format: "cjs" };
const PEER: Variant = { side: "peer", decorators: "legacy", format: "esm" };

const SCENARIOS: Scenario[] = [
  {
    fixture: "decorated",
    events: [{ id: "a" }, { id: "missing" }, { id: "broken", fail: "price" }, { id: "b", fail: "early" }],
    expected: [
      ["## index.handler", "### loadItem", "### price lookup", "DynamoDB"],
      ["## index.handler", "### loadItem", "DynamoDB"],
      ["## index.handler", "### loadItem", "### price lookup", "DynamoDB"],
      ["## index.handler"],
    ],
    ours: [esm("legacy"), esm("standard"), cjs],
  },
  {
    fixture: "middy",
    // fetch answered 200, 404, 200, 429 (throttle) and 503 (fault)
    events: [{ id: "a" }, { id: "missing" }, { id: "a", fail: "after the call" }, { id: "throttled" }, { id: "broken" }],
    expected: [
      ["## index.handler", "127.0.0.1", "DynamoDB"],
      ["## index.handler", "127.0.0.1", "DynamoDB"],
      ["## index.handler", "127.0.0.1", "DynamoDB"],
      ["## index.handler", "127.0.0.1", "DynamoDB"],
      ["## index.handler", "127.0.0.1", "DynamoDB"],
    ],
    // @middy/core 7 is ESM only (no "require" export): a CommonJS middy handler uses an older middy
    ours: [esm()],
  },
  {
    fixture: "manual",
    events: [{}, { fail: "by hand" }],
    expected: [
      ["## index.handler", "inner work"],
      ["## index.handler", "inner work"],
    ],
    ours: [esm(), cjs],
  },
  {
    fixture: "decorated",
    title: "POWERTOOLS_TRACER_CAPTURE_RESPONSE=false, POWERTOOLS_TRACER_CAPTURE_ERROR=false",
    env: { POWERTOOLS_TRACER_CAPTURE_RESPONSE: "false", POWERTOOLS_TRACER_CAPTURE_ERROR: "false" },
    events: [{ id: "a" }, { id: "broken", fail: "price" }],
    expected: [
      ["## index.handler", "### loadItem", "### price lookup", "DynamoDB"],
      ["## index.handler", "### loadItem", "### price lookup", "DynamoDB"],
    ],
    ours: [esm()],
    currentNodeOnly: true,
  },
  // The issue's report: POWERTOOLS_TRACE_ENABLED=false was ignored. Nothing may be sent.
  {
    fixture: "decorated",
    title: "POWERTOOLS_TRACE_ENABLED=false",
    env: { POWERTOOLS_TRACE_ENABLED: "false" },
    events: [{ id: "a" }, { id: "missing" }],
    expected: [[], []],
    ours: [esm(), cjs],
    currentNodeOnly: true,
  },
  {
    fixture: "middy",
    title: "outside Lambda (no AWS_EXECUTION_ENV)",
    env: { AWS_EXECUTION_ENV: "" },
    events: [{ id: "a" }],
    expected: [[]],
    ours: [esm()],
    currentNodeOnly: true,
  },
  {
    fixture: "middy",
    title: "POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS=false, POWERTOOLS_SERVICE_NAME",
    env: { POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: "false", POWERTOOLS_SERVICE_NAME: "checkout" },
    events: [{ id: "a" }],
    expected: [["## index.handler", "DynamoDB"]],
    ours: [esm()],
    currentNodeOnly: true,
  },
  // Lambda's Node runtimes before InvokeStore: the trace header in _X_AMZN_TRACE_ID only
  {
    fixture: "middy",
    title: "without InvokeStore",
    env: { DRIVER_NO_INVOKE_STORE: "1" },
    events: [{ id: "a" }, { id: "missing" }],
    expected: [
      ["## index.handler", "127.0.0.1", "DynamoDB"],
      ["## index.handler", "127.0.0.1", "DynamoDB"],
    ],
    ours: [esm()],
    currentNodeOnly: true,
  },
  {
    fixture: "manual",
    title: "without InvokeStore",
    env: { DRIVER_NO_INVOKE_STORE: "1" },
    events: [{}, { fail: "by hand" }],
    expected: [
      ["## index.handler", "inner work"],
      ["## index.handler", "inner work"],
    ],
    ours: [esm()],
    currentNodeOnly: true,
  },
  {
    fixture: "decorated",
    title: "Sampled=0",
    sampled: "0",
    events: [{ id: "a" }, { id: "missing" }],
    expected: [[], []],
    ours: [esm()],
    currentNodeOnly: true,
  },
];

test("the categories the comparison knows are exactly those docs/compatibility.md lists for Powertools", () => {
  assert.equal(documentedCategories().sort(), Object.keys(CLASSIFIERS).sort());
});

const NODES: { name: string; binary: () => string | undefined; all: boolean }[] = [
  { name: `node ${process.versions.node}`, binary: () => undefined, all: true },
  { name: "node 22", binary: () => nodeBinary(22), all: false },
  { name: "node 24", binary: () => nodeBinary(24), all: false },
];

for (const node of NODES) {
  for (const s of SCENARIOS) {
    if (s.currentNodeOnly && !node.all) continue;
    const variants = node.all ? s.ours : s.ours.slice(0, 1);
    const what = s.title ? `${s.fixture}, ${s.title}` : s.fixture;
    test(`${node.name}, ${what}: ${variants.map(label).join(", ")} send the entities Powertools sends`, async () => {
      const binary = node.binary();
      const ddb = await startDynamoDb();
      try {
        const expectedEntities = s.expected.flat().length;
        const runOn = async (variant: Variant) => {
          const headers = s.events.map(() => header(s.sampled ?? "1"));
          const invocations: Invocation[] = s.events.map((event, i) => ({ header: headers[i]!.header, event }));
          const file = await compile(s.fixture, variant);
          const env = { ...s.env, DDB_ENDPOINT: ddb.endpoint };
          // the sentinel: what was sent before the last invocation returned has arrived (or nothing was)
          const run = await runFixture({ file, invocations, expectedEntities, env, node: binary, sentinel: true });
          return { run, headers };
        };
        const peer = await runOn(PEER);
        for (const variant of variants) {
          const ours = await runOn(variant);
          assert.equal(
            ours.run.outcomes.map((o) => o.error?.name ?? "ok"),
            peer.run.outcomes.map((o) => o.error?.name ?? "ok"),
            `${label(variant)}: the handler's outcomes are the peer's`,
          );
          const unexplained: string[] = [];
          for (const [i] of s.events.entries()) {
            const o = tree(ours.run.documents, ours.headers[i]!.root, ours.headers[i]!.parent);
            const p = tree(peer.run.documents, peer.headers[i]!.root, peer.headers[i]!.parent);
            assert.equal(o.stray, [], `${label(variant)}: every entity of invocation ${i} hangs under its facade`);
            assert.equal(p.stray, [], `peer: every entity of invocation ${i} hangs under its facade`);
            const names = (m: Map<string, Record<string, any>>) => [...m.values()].map((e) => e.name).sort();
            assert.equal(names(o.byId), s.expected[i], `${label(variant)}, invocation ${i}: the entities sent`);
            assert.equal(names(p.byId), s.expected[i], `peer, invocation ${i}: the entities sent`);
            for (const d of compareTrees(i, o.nodes, p.nodes)) {
              if (!classify(d, p.byId)) unexplained.push(describe(d));
            }
          }
          assert.equal(unexplained, [], `${label(variant)}: differences that are no documented category`);
          for (const d of ours.run.documents) assert.equal(validateDocument(d), [], JSON.stringify(d).slice(0, 300));
          // the documents of a run are those of its own invocations only
          const roots = new Set(ours.headers.map((h) => h.root));
          for (const e of entities(ours.run.documents).values()) assert.ok(e.trace_id === undefined || roots.has(e.trace_id));
        }
      } finally {
        await ddb.close();
      }
    });
  }
}

function describe(d: Difference): string {
  const show = (l: Difference["ours"]) => (l ? `${l.type} ${JSON.stringify(l.value)}` : "absent");
  return `invocation ${d.invocation} ${d.entity} ${d.path}: ours ${show(d.ours)}, peer ${show(d.peer)}`;
}

test.run();
