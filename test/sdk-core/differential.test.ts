/**
 * Issue 16, points 3 and 8, for aws-xray-sdk-core: handlers written against the peer
 * (fixtures/*.mjs, *.cjs) run twice, on the peer and with only the import rewritten to
 * xray-edge/sdk-core (the built package), each in a fresh process driven as Lambda's Node runtime
 * drives handlers (fixtures/driver.mjs), on Node 20, 22 and 24. Every entity both send is
 * compared: names, annotations, metadata (keys, namespaces and values), `aws` and `http` fields,
 * fault, error and throttle, causes, namespaces, where each sits in the trace. A difference must
 * be one of the categories of docs/compatibility.md's "xray-edge/sdk-core" table, which this test
 * reads: the doc and the test cannot drift, and any other difference fails.
 */
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { nodeBinary } from "../runtimes/node-binaries.ts";
import {
  type Difference,
  differences,
  type Entity,
  entitiesOf,
  type Invocation,
  isMissing,
  ROOT,
  type Run,
  runFixture,
} from "./compare.ts";
import { standIn, type StandIn } from "./stand-in.ts";

const A = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const UNSAMPLED = "Root=1-5759e989-aaaaaaaaaaaaaaaaaaaaaaaa;Parent=1111111111111111;Sampled=0";
const C = "Root=1-5759e98a-cccccccccccccccccccccccc;Parent=2222222222222222;Sampled=1";
const D = "Root=1-5759e98b-dddddddddddddddddddddddd;Parent=3333333333333333;Sampled=1";

const FIXTURES: { file: string; invocations: Invocation[] }[] = [
  // Four invocations: the facade follows the header (a new trace each time; Sampled=0 and a
  // malformed header send nothing).
  {
    file: "basic.mjs",
    invocations: [
      { header: A, event: { orderId: "o-1" } },
      { header: UNSAMPLED, event: { orderId: "o-2" } },
      { header: "Root=not-a-trace;Parent=zz;Sampled=1", event: { orderId: "o-malformed" } },
      { header: C, event: { orderId: "o-3" } },
    ],
  },
  { file: "nested-throw.cjs", invocations: [{ header: A }] },
  { file: "aws.cjs", invocations: [{ header: A }] },
  { file: "http.mjs", invocations: [{ header: A }] },
  // Warm: setSegment before the first await leaks into the runtime's loop; each trace its own.
  {
    file: "warm.cjs",
    invocations: [
      { header: A, event: { orderId: "w-1" } },
      { header: C, event: { orderId: "w-2" } },
      { header: D, event: { orderId: "w-3" } },
    ],
  },
];

/** The traces the invocations' headers name (a malformed header names none). */
const HEADER_ROOTS = new Set([A, UNSAMPLED, C, D].map((h) => /^Root=([^;]+);/.exec(h)![1]!));

type Matcher = (d: Difference, peer: Entity | undefined) => boolean;
const EXCEPTION = /^cause\.exceptions\[\d+\]\./;

/** The categories of docs/compatibility.md ("xray-edge/sdk-core"), each recognising its differences. */
const CATEGORIES: Record<string, Matcher> = {
  // The peer writes `remote: false` on every local exception; xray-edge writes `remote` only when true.
  "exception-remote-false": (d) => EXCEPTION.test(d.path) && d.path.endsWith(".remote") && isMissing(d.ours) && d.peer === false,
  // addError("text"): the peer's exception type is "", xray-edge's "string".
  "string-error-type": (d) => EXCEPTION.test(d.path) && d.path.endsWith(".type") && d.ours === "string" && d.peer === "",
  // A header without a valid Root: the peer records the invocation in a new trace of its own; xray-edge records nothing.
  "malformed-header": (d, peer) => d.path === "" && isMissing(d.ours) && peer !== undefined && !HEADER_ROOTS.has(peer.traceId ?? ""),
  // An error recorded on a subsegment and then on its parent: the peer's parent refers to the first record.
  "exception-reference": (d, peer) =>
    d.path.startsWith("cause") && (peer?.fields.cause as { id?: unknown } | undefined)?.id === "<reference>",
};

/** The category names of the table under "## xray-edge/sdk-core" in docs/compatibility.md (its first column, in backticks). */
function documentedCategories(): string[] {
  const doc = readFileSync(`${ROOT}docs/compatibility.md`, "utf8");
  const start = doc.indexOf("\n## xray-edge/sdk-core");
  assert.ok(start >= 0, 'docs/compatibility.md has a section "## xray-edge/sdk-core"');
  const section = doc.slice(start + 1).split(/\n## /)[0]!;
  const lines = section.split("\n");
  const head = lines.findIndex((l) => /^\|\s*category\s*\|/.test(l));
  assert.ok(head >= 0, "the section has a table whose first column is `category`");
  const names: string[] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith("|")) break;
    const m = /^\|\s*`([a-z0-9-]+)`\s*\|/.exec(line);
    assert.ok(m, `each row names its category in backticks: ${line.slice(0, 80)}`);
    names.push(m[1]!);
  }
  return names;
}

test("the categories this test allows are exactly those docs/compatibility.md names", () => {
  assert.equal(documentedCategories().sort(), Object.keys(CATEGORIES).sort());
});

let stand: StandIn;
test.before(async () => {
  stand = await standIn();
});
test.after(async () => {
  await stand.close();
});

/** Each X-Amzn-Trace-Id the stand-in saw names, as its parent, an entity of the run's documents. */
function assertPropagated(run: Run, headers: (string | undefined)[], label: string): void {
  const ids = new Set<string>();
  const collect = (d: Record<string, any>) => {
    ids.add(d.id);
    for (const s of d.subsegments ?? []) collect(s);
  };
  for (const d of run.documents) collect(d);
  for (const h of headers) {
    const parent = /;Parent=([0-9a-f]{16});/.exec(h ?? "")?.[1];
    assert.ok(parent && ids.has(parent), `${label}: the header ${h} names a subsegment that was sent`);
    assert.ok(h!.startsWith(`Root=${A.slice(5, 40)};`), `${label}: the header joins the invocation's trace: ${h}`);
  }
}

const NODES: [string, () => string][] = [
  ["20", () => process.execPath],
  ["22", () => nodeBinary(22)],
  ["24", () => nodeBinary(24)],
];

for (const [version, node] of NODES) {
  for (const { file, invocations } of FIXTURES) {
    test(`${file} on Node ${version}: the same entities on the peer and on xray-edge/sdk-core`, async () => {
      const env = { STAND_IN: stand.url };
      const bin = node();
      const before = stand.traceHeaders.length;
      const peer = await runFixture(bin, file, "peer", invocations, env);
      const peerHeaders = stand.traceHeaders.slice(before);
      const middle = stand.traceHeaders.length;
      const ours = await runFixture(bin, file, "ours", invocations, env);
      const ourHeaders = stand.traceHeaders.slice(middle);
      assert.equal(ours.outcomes, peer.outcomes, "the handler's results are the same");
      assert.is(ours.outcomes.length, invocations.length + 1, `every invocation ran: ${ours.stderr.slice(0, 500)}`);
      assert.is(ourHeaders.length, peerHeaders.length, "as many downstream requests");
      assertPropagated(peer, peerHeaders, "peer");
      assertPropagated(ours, ourHeaders, "xray-edge/sdk-core");

      // What the peer recorded of an invocation whose header has no valid Root (`malformed-header`).
      const inHeaderTraces = (doc: Record<string, any>) => HEADER_ROOTS.has(doc.trace_id);
      // Each subsegment its own document when it closes, as the peer sends them (none is left open here).
      assert.is(ours.documents.length, peer.documents.filter(inHeaderTraces).length, "as many documents as the peer");
      assert.ok(
        ours.documents.every((doc) => doc.subsegments === undefined),
        "no subsegment waited in its parent",
      );
      const o = entitiesOf(ours.documents);
      const p = entitiesOf(peer.documents);
      assert.ok(p.length > 0, "the peer sent entities");
      assert.equal(
        o.map((e) => e.key),
        p.filter((e) => HEADER_ROOTS.has(e.traceId ?? "")).map((e) => e.key),
        "the same entities, by trace, place and name",
      );
      const peerByKey = new Map(p.map((e) => [e.key, e]));
      const unexplained = differences(o, p).filter((d) => !Object.values(CATEGORIES).some((match) => match(d, peerByKey.get(d.entity))));
      assert.equal(
        unexplained.map((d) => `${d.entity} ${d.path}: ours ${JSON.stringify(d.ours)}, peer ${JSON.stringify(d.peer)}`),
        [],
        "every difference is a documented category",
      );
    });
  }
}

test.run();
