import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { CentralizedRules, createXRay } from "../../adapters/host/index.ts";

// Centralized sampling in the core, driven through simulated time: the clock is a variable the
// test moves, and entropy is a constant byte, so the fixed rate decides the same way every time
// (0x80 bytes: random32() = 0x80808080, sampled below a rate of 0.5, not at or above it).

function rules(now: { t: number }, byte = 0x80) {
  const x = createXRay({ entropy: (b) => void b.fill(byte) });
  return { x, r: new CentralizedRules({ xray: x, clock: () => now.t }) };
}

const DEFAULT = {
  RuleName: "Default",
  Priority: 10000,
  FixedRate: 0.05,
  ReservoirSize: 1,
  ServiceName: "*",
  Host: "*",
  HTTPMethod: "*",
  URLPath: "*",
  ServiceType: "*",
  ResourceARN: "*",
  Version: 1,
};
const rule = (name: string, priority: number, extra: Record<string, unknown> = {}) => ({
  ...DEFAULT,
  RuleName: name,
  Priority: priority,
  FixedRate: 0,
  ...extra,
});

test("no rules: no decision (the caller falls back)", () => {
  const { r } = rules({ t: 100 });
  assert.is(r.shouldSample({ host: "a" }), undefined);
  r.setRules([]);
  assert.is(r.shouldSample({ host: "a" }), undefined);
});

test("rules apply by priority, then name; every pattern and attribute must match", () => {
  const { r } = rules({ t: 100 });
  r.setRules([
    DEFAULT,
    rule("b-path", 5, { URLPath: "/api/*" }),
    rule("a-path", 5, { URLPath: "/api/v?/*" }),
    rule("method", 1, { HTTPMethod: "POST", Host: "*.example.com" }),
    rule("arn", 2, { ResourceARN: "arn:aws:ecs:*" }),
    rule("attr", 3, { Attributes: { tenant: "gold-*" } }),
  ]);
  assert.equal(r.ruleNames, ["method", "arn", "attr", "a-path", "b-path", "Default"]);
  // An attribute the request does not give matches any pattern (as aws-xray-sdk-core): each
  // request here names its resource, so that the ARN rule matches only where it should.
  const req = (o: Record<string, unknown>) => ({
    host: "h",
    method: "GET",
    urlPath: "/other",
    resourceArn: "arn:aws:lambda:us-east-1:1:function:f",
    ...o,
  });
  assert.is(r.shouldSample(req({ method: "post", host: "API.example.com" }))?.rule, "method", "case-insensitive");
  assert.is(r.shouldSample(req({ host: "api.example.com", urlPath: "/api/v1/x" }))?.rule, "a-path");
  assert.is(r.shouldSample(req({ urlPath: "/api/v10/x" }))?.rule, "b-path", "? is one character");
  assert.is(r.shouldSample(req({ resourceArn: "arn:aws:ecs:us-east-1:1:task/x" }))?.rule, "arn");
  assert.is(r.shouldSample(req({ attributes: { tenant: "gold-7" } }))?.rule, "attr");
  assert.is(r.shouldSample(req({ attributes: { tenant: "silver" } }))?.rule, "Default");
  assert.is(r.shouldSample(req({}))?.rule, "Default");
  assert.is(r.shouldSample({})?.rule, "method", "a request that names nothing matches the first rule");
});

test("a rule's attribute the request lacks does not match; an attribute the rule lacks does not matter", () => {
  const { r } = rules({ t: 100 });
  r.setRules([DEFAULT, rule("attr", 1, { Attributes: { tenant: "*" } })]);
  assert.is(r.shouldSample({})?.rule, "Default");
  assert.is(r.shouldSample({ attributes: { tenant: "x", other: "y" } })?.rule, "attr");
});

test("without a quota one request a second is borrowed; then the fixed rate decides", () => {
  const now = { t: 1000.1 };
  const { r } = rules(now, 0xff);
  r.setRules([rule("r", 1, { FixedRate: 0.1, ReservoirSize: 5 })]);
  assert.equal(r.shouldSample({}), { sampled: true, borrowed: true, rule: "r" });
  assert.equal(r.shouldSample({}), { sampled: false, borrowed: false, rule: "r" }, "one borrowed a second");
  now.t = 1000.9;
  assert.is(r.shouldSample({})?.sampled, false, "same second");
  now.t = 1001.0;
  assert.equal(r.shouldSample({}), { sampled: true, borrowed: true, rule: "r" }, "a new second");
});

test("a rule without a reservoir never borrows", () => {
  const { r } = rules({ t: 5 }, 0xff);
  r.setRules([rule("r", 1, { FixedRate: 0.1, ReservoirSize: 0 })]);
  assert.is(r.shouldSample({})?.sampled, false);
});

test("a quota from the targets is taken per second until its TTL; then borrowing again", () => {
  const now = { t: 2000 };
  const { r } = rules(now, 0xff);
  r.setRules([rule("r", 1, { FixedRate: 0, ReservoirSize: 10 })]);
  r.applyTargets([{ RuleName: "r", FixedRate: 0, ReservoirQuota: 3, ReservoirQuotaTTL: 2010, Interval: 10 }]);
  const second = () => Array.from({ length: 5 }, () => r.shouldSample({})!);
  assert.equal(
    second().map((d) => d.sampled),
    [true, true, true, false, false],
  );
  assert.ok(
    second().every((d) => !d.sampled),
    "the quota is per second",
  );
  now.t = 2001;
  assert.equal(
    second().map((d) => [d.sampled, d.borrowed]),
    [
      [true, false],
      [true, false],
      [true, false],
      [false, false],
      [false, false],
    ],
  );
  now.t = 2010.5; // past the TTL: the quota is gone, one a second is borrowed
  assert.equal(
    second().map((d) => [d.sampled, d.borrowed]),
    [
      [true, true],
      [false, false],
      [false, false],
      [false, false],
      [false, false],
    ],
  );
  r.applyTargets([{ RuleName: "r", ReservoirQuota: 1, ReservoirQuotaTTL: new Date(2030 * 1000) }]);
  now.t = 2011;
  assert.equal(
    second().map((d) => d.sampled),
    [true, false, false, false, false],
    "a Date TTL, as the AWS SDK gives it",
  );
});

test("targets set the fixed rate; unknown rule names and malformed targets are ignored", () => {
  const { r } = rules({ t: 1 }, 0x80);
  r.setRules([rule("r", 1, { FixedRate: 0.9, ReservoirSize: 0 })]);
  assert.is(r.shouldSample({})?.sampled, true, "0x80808080 < 0.9 · 2^32");
  r.applyTargets([{ RuleName: "r", FixedRate: 0.4 }, { RuleName: "nope", FixedRate: 1 }, null, 5, { FixedRate: 1 }]);
  assert.is(r.shouldSample({})?.sampled, false, "0x80808080 ≥ 0.4 · 2^32");
});

test("statistics count requests, sampled and borrowed per rule, then reset", () => {
  const { r } = rules({ t: 1 }, 0xff);
  r.setRules([DEFAULT, rule("r", 1, { URLPath: "/r", FixedRate: 0, ReservoirSize: 1 })]);
  for (let i = 0; i < 4; i++) r.shouldSample({ urlPath: "/r" });
  r.shouldSample({ urlPath: "/x" });
  assert.equal(r.statistics(), [
    { RuleName: "r", RequestCount: 4, SampledCount: 1, BorrowCount: 1 },
    { RuleName: "Default", RequestCount: 1, SampledCount: 1, BorrowCount: 1 },
  ]);
  assert.equal(r.statistics(), [
    { RuleName: "r", RequestCount: 0, SampledCount: 0, BorrowCount: 0 },
    { RuleName: "Default", RequestCount: 0, SampledCount: 0, BorrowCount: 0 },
  ]);
});

test("a refresh keeps each rule's reservoir and counts by name; malformed records are skipped, named", () => {
  const now = { t: 50 };
  const { r } = rules(now, 0xff);
  r.setRules([rule("keep", 1, { ReservoirSize: 1 }), DEFAULT]);
  r.applyTargets([{ RuleName: "keep", ReservoirQuota: 2, ReservoirQuotaTTL: 100 }]);
  r.shouldSample({ urlPath: "/other" });
  r.setRules([
    rule("new", 0, { URLPath: "/new" }),
    rule("keep", 1, { ReservoirSize: 1 }),
    DEFAULT,
    { RuleName: "bad", Priority: "high" },
    rule("keep", 2),
    "nonsense",
  ]);
  assert.equal(r.ruleNames, ["new", "keep", "Default"]);
  assert.equal(r.skipped, ["bad: Priority is not a number", "keep: a second rule of that name", "not an object"]);
  const other = { urlPath: "/other" };
  const first = r.shouldSample(other)!;
  const second = r.shouldSample(other)!;
  assert.equal([first.rule, first.sampled, second.sampled], ["keep", true, false], "one of the quota of 2 was taken before");
  assert.equal(r.statistics()[1], { RuleName: "keep", RequestCount: 3, SampledCount: 2, BorrowCount: 0 });
});

test("any input: setRules, applyTargets and shouldSample never throw", () => {
  const { r } = rules({ t: 1 });
  const junk: unknown[] = [
    null,
    undefined,
    5,
    "x",
    [],
    {},
    { RuleName: 5 },
    { RuleName: "x", Priority: Infinity },
    new Proxy({}, { get: () => 1 }),
  ];
  for (const j of junk) {
    r.setRules(j as never);
    r.setRules([j]);
    r.applyTargets(j as never);
    r.applyTargets([j]);
    r.shouldSample(j as never);
  }
  r.setRules([rule("long", 1, { URLPath: "x".repeat(5000) }), DEFAULT]);
  assert.equal(r.ruleNames, ["Default"], "a pattern over the limit is refused, not cut");
  assert.is(r.shouldSample({ urlPath: "y".repeat(100000) })?.rule, "Default");
});

test("a collected CentralizedRules frees its rule set in the core", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const x = createXRay();
  const before = x.memoryBytes();
  const many = () => {
    for (let i = 0; i < 3000; i++) new CentralizedRules({ xray: x }).setRules([DEFAULT, rule(`r${i}`, 1, { URLPath: "/a".repeat(200) })]);
  };
  many();
  for (let i = 0; i < 50; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const grown = x.memoryBytes();
  many();
  for (let i = 0; i < 50; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.is(x.memoryBytes(), grown, "no growth on the second round: freed sets are reused");
  assert.ok(grown >= before);
});

test.run();
