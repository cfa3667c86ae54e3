import { test } from "uvu";
import * as assert from "uvu/assert";
import { createXRay } from "../../adapters/host/index.ts";
import { createCentralizedSampler } from "../../adapters/xray-api/index.ts";
import { clientTo, samplingRuleRecord } from "./helpers.ts";
import { startStandIn } from "./standin.ts";

// Centralized sampling straight from the X-Ray API through @aws-sdk/client-xray (signed by the
// SDK), against the stand-in, which checks each request's shape and its SigV4 header.

const rule = samplingRuleRecord;

test("rules of every page and the targets, through the SDK: signed, the documented shapes, statistics under one client ID", async () => {
  // 25 rules in pages of 10: three pages; the request matches rule-20.
  const rules = [
    ...Array.from({ length: 24 }, (_, i) => rule(`rule-${String(i).padStart(2, "0")}`, i + 1, { URLPath: `/r${i}` })),
    rule("Default", 10000, { FixedRate: 0.05 }),
  ];
  const standIn = await startStandIn({
    rules,
    pageSize: 10,
    targets: (stats) =>
      stats.map((s: any) => ({
        RuleName: s.RuleName,
        FixedRate: 0,
        ReservoirQuota: 2,
        ReservoirQuotaTTL: Date.now() / 1000 + 60,
        Interval: 10,
      })),
  });
  try {
    const x = createXRay({ entropy: (b) => void b.fill(0xff) });
    const sampler = createCentralizedSampler({ xray: x, client: clientTo(standIn.url), poll: false, logger: { warn() {} } });
    await sampler.refreshRules();
    assert.is(standIn.of("GetSamplingRules").length, 3, "three pages");
    assert.is(sampler.ruleNames.length, 25);
    assert.is(sampler.ruleNames[24], "Default");
    const request = { host: "h", method: "GET", urlPath: "/r20" };
    assert.equal(sampler.shouldSample(request), { sampled: true, rule: "rule-20" }, "borrowed before any quota");
    assert.equal(sampler.shouldSample(request), { sampled: false, rule: "rule-20" });
    await sampler.refreshTargets();
    const sent = standIn.of("GetSamplingTargets")[0]!.body.SamplingStatisticsDocuments;
    const r20 = sent.find((d: any) => d.RuleName === "rule-20");
    assert.equal([r20.RequestCount, r20.SampledCount, r20.BorrowCount, r20.ClientID], [2, 1, 1, sampler.clientId]);
    assert.type(r20.Timestamp, "number");
    // The quota of 2 a second now decides (same second or the next: both allow 2).
    const next = [sampler.shouldSample(request), sampler.shouldSample(request)].map((d) => d.sampled);
    assert.ok(next.filter(Boolean).length >= 1, `quota taken: ${next}`);
    assert.equal(standIn.problems, [], "every request signed and well-formed");
    assert.is(sampler.source, "centralized");
  } finally {
    await standIn.close();
  }
});

test("the API unreachable: the local rules decide; when it answers again, its rules", async () => {
  const standIn = await startStandIn({ rules: [rule("central", 1, { FixedRate: 1, ReservoirSize: 0 })] });
  const url = standIn.url;
  await standIn.close(); // nothing listens there now
  const messages: string[] = [];
  const sampler = createCentralizedSampler({ client: clientTo(url), poll: false, logger: { warn: (m) => void messages.push(m) } });
  await sampler.refreshRules();
  assert.is(sampler.shouldSample({}).rule, "default", "the local default rule");
  assert.is(messages.filter((m) => m.includes("could not be fetched from the X-Ray API")).length, 1);
});

test.run();
