// The benchmark's report: targets judged right at their bounds, a figure not measured never
// passing, and the rendering saying what the results hold (bench/report/*).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { collectCases } from "../../bench/report/cases.mjs";
import { formatValue } from "../../bench/report/format.mjs";
import { renderMarkdown } from "../../bench/report/render.mjs";
import { judgeTargets } from "../../bench/report/targets.mjs";

import type { Target } from "../../bench/report/targets.mjs";
const verdict = (targets: Target[], what: string) => {
  const t = targets.find((x) => x.what.startsWith(what));
  if (!t) throw new Error(`no target "${what}"`);
  return t.verdict;
};
const lambda = (ours: number, peer: number) => ({
  overhead: { apart: { ours, aws: peer, powertools: peer * 2 } },
  cold: { added: { ours: 4, aws: 32, adot: 199 } },
});

test("the Lambda targets hold at 4× and miss just under it", () => {
  assert.is(verdict(judgeTargets({ lambda: lambda(50, 200) }), "Lambda invocation, 3 subsegments: cheaper than aws-xray-sdk-core"), "PASS");
  assert.is(
    verdict(judgeTargets({ lambda: lambda(50.5, 200) }), "Lambda invocation, 3 subsegments: cheaper than aws-xray-sdk-core"),
    "MISS",
  );
  assert.is(verdict(judgeTargets({ lambda: lambda(50.5, 200) }), "Lambda invocation, 3 subsegments: cheaper than Powertools"), "PASS");
});

test("cold start: 4 ms and 8× pass, 50× of 199/4 misses, a peer not measured is n/a", () => {
  const t = judgeTargets({ lambda: lambda(50, 200) });
  assert.is(verdict(t, "cold start: a traced first invocation"), "PASS");
  assert.is(verdict(t, "cold start added: less than aws-xray-sdk-core"), "PASS");
  assert.is(verdict(t, "cold start added: less than ADOT"), "MISS");
  assert.is(verdict(t, "Lambda invocation, 3 subsegments: cheaper than ADOT"), "n/a");
});

test("a ratio target says what the hand-written minimum reaches against the same peer", () => {
  const t = judgeTargets({ lambda: { overhead: { apart: { ours: 100, aws: 250, minimum: 50 } }, cold: { added: {} } } });
  const row = t.find((x: Target) => x.what.endsWith("cheaper than aws-xray-sdk-core"));
  assert.is(row?.measured, "2.50× (+100.0 vs +250.0 µs); the hand-written minimum reaches 5.00×");
});

test("the runtime loop is judged per runtime, warm and at each concurrency, against the minimum", () => {
  const shares = (ours: number, min: number) => ({ tracedAddedPct: ours, minimalAddedPct: min, floorAddedPct: 1 });
  const node = {
    roundTrip: shares(10, 10),
    concurrency: { 1: { cpu: shares(10.1, 10) }, 8: { cpu: shares(5, 0) } },
  };
  const t = judgeTargets({ runtimes: { node } });
  assert.is(verdict(t, "runtime loop (node, warm round trip)"), "PASS");
  assert.is(verdict(t, "runtime loop (node, concurrency 1, CPU time)"), "MISS");
  // A minimum that adds nothing gives no ratio: not measured, not passed.
  assert.is(verdict(t, "runtime loop (node, concurrency 8, CPU time)"), "n/a");
  assert.is(verdict(t, "runtime loop (bun, warm round trip)"), "n/a");
});

test("the handler bundle: 35,000 bytes pass, one more misses; UDP at 1.5× of the floor passes", () => {
  assert.is(verdict(judgeTargets({ size: { handlerBytes: 35_000 } }), "handler bundle"), "PASS");
  assert.is(verdict(judgeTargets({ size: { handlerBytes: 35_001 } }), "handler bundle"), "MISS");
  assert.is(verdict(judgeTargets({ udp: { node: { ours: 15, floor: 10 } } }), "UDP end to end"), "PASS");
  assert.is(verdict(judgeTargets({ udp: { node: { ours: 15.1, floor: 10 } } }), "UDP end to end"), "MISS");
});

test("nothing measured passes nothing", () => {
  const t = judgeTargets({});
  assert.ok(t.length >= 10);
  assert.equal(
    t.filter((x: Target) => x.verdict !== "n/a").map((x: Target) => x.what),
    [],
  );
});

test("a case keeps the peers measured and drops the ones not run", () => {
  const cases = collectCases({ udp: { node: { ours: 12, aws: 60, floor: 8 }, bun: { ours: 9, aws: undefined, floor: 6 } } });
  assert.equal(cases, [
    {
      section: "transport",
      case: "UDP end to end, per document",
      runtime: "node",
      unit: "µs",
      ours: 12,
      peers: { "aws-xray-sdk-core": 60 },
      floors: { "one bare send": 8 },
    },
    {
      section: "transport",
      case: "UDP end to end, per document",
      runtime: "bun",
      unit: "µs",
      ours: 9,
      peers: {},
      floors: { "one bare send": 6 },
    },
  ]);
});

test("figures are written with their unit", () => {
  assert.is(formatValue(120, "ns"), "120 ns");
  assert.is(formatValue(1234, "ns"), "1.23 µs");
  assert.is(formatValue(34_100, "B"), "34.1 kB");
  assert.is(formatValue(48_200_000, "B"), "48.20 MB");
  assert.is(formatValue(-3.25, "+%"), "-3.3%");
  assert.is(formatValue(undefined, "ms"), "n/a");
});

test("the markdown holds each row's figures and ratios, and the targets", () => {
  const md = renderMarkdown({
    meta: { date: "2026-12-02", machine: "2 × cpu", runtimes: { node: "v20.20.2" }, nodeStartMs: 55, command: "npm run bench" },
    cases: collectCases({ udp: { node: { ours: 12, aws: 60, floor: 8 } } }),
    targets: judgeTargets({ udp: { node: { ours: 12, aws: 60, floor: 8 } } }).filter((t: Target) => t.what.startsWith("UDP")),
  });
  assert.ok(
    md.includes(
      "| UDP end to end, per document | node | 12.0 µs | aws-xray-sdk-core 60.0 µs (5.0×) | one bare send 8.0 µs (xray-edge 1.5×) |",
    ),
    md,
  );
  assert.ok(
    md.includes("| 14 | UDP end to end within the bare-send floor (node) | 1.50× the floor (12.00 vs 8.00 µs) | ≤ 1.50× | PASS |"),
    md,
  );
  assert.ok(md.includes("`npm run bench`"));
});

test.run();
