/**
 * The stand-in itself, driven by @aws-sdk/client-xray: the three operations answered as the SDK
 * expects them (paging included), and its checks able to fail (an unsigned or misshapen request
 * is refused and listed).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { GetSamplingTargetsCommand, paginateGetSamplingRules, PutTraceSegmentsCommand, ThrottledException } from "@aws-sdk/client-xray";
import { startStandIn, throttle } from "./standin.ts";
import { clientTo, documentText } from "./helpers.ts";

const rule = (n: number) => ({
  SamplingRule: {
    RuleName: `rule-${n}`,
    RuleARN: `arn:aws:xray:us-east-1:123456789012:sampling-rule/rule-${n}`,
    ResourceARN: "*",
    Priority: n,
    FixedRate: 0.1,
    ReservoirSize: 1,
    ServiceName: "*",
    ServiceType: "*",
    Host: "*",
    HTTPMethod: "*",
    URLPath: "*",
    Version: 1,
    Attributes: {},
  },
});

test("GetSamplingRules pages with NextToken: 25 rules in pages of 10, 10, 5", async () => {
  const api = await startStandIn({ rules: Array.from({ length: 25 }, (_, i) => rule(i + 1)), pageSize: 10 });
  try {
    const names: string[] = [];
    for await (const page of paginateGetSamplingRules({ client: clientTo(api.url) }, {}))
      for (const r of page.SamplingRuleRecords ?? []) names.push(r.SamplingRule!.RuleName!);
    assert.equal(
      names,
      Array.from({ length: 25 }, (_, i) => `rule-${i + 1}`),
    );
    assert.equal(
      api.of("GetSamplingRules").map((r) => r.body.NextToken),
      [undefined, "page-10", "page-20"],
    );
    assert.equal(api.problems, []);
  } finally {
    await api.close();
  }
});

test("GetSamplingTargets: statistics checked, targets answered", async () => {
  const api = await startStandIn({ lastRuleModification: 1_700_000_000 });
  try {
    const out = await clientTo(api.url).send(
      new GetSamplingTargetsCommand({
        SamplingStatisticsDocuments: [
          {
            RuleName: "rule-1",
            ClientID: "0123456789abcdef01234567",
            Timestamp: new Date(1_700_000_000_000),
            RequestCount: 10,
            SampledCount: 2,
            BorrowCount: 1,
          },
        ],
      }),
    );
    assert.equal(api.problems, []);
    assert.is(out.SamplingTargetDocuments?.[0]?.RuleName, "rule-1");
    assert.is(out.SamplingTargetDocuments?.[0]?.ReservoirQuota, 1);
    assert.is(out.LastRuleModification?.getTime(), 1_700_000_000_000);
    assert.is(api.of("GetSamplingTargets")[0]!.body.SamplingStatisticsDocuments[0].Timestamp, 1_700_000_000);
  } finally {
    await api.close();
  }
});

test("a scripted throttle reaches the SDK as ThrottledException (429)", async () => {
  const api = await startStandIn();
  try {
    api.script("PutTraceSegments", throttle());
    const error = await clientTo(api.url)
      .send(new PutTraceSegmentsCommand({ TraceSegmentDocuments: [documentText(1)] }))
      .catch((e) => e);
    assert.instance(error, ThrottledException);
    assert.is(error.$metadata.httpStatusCode, 429);
  } finally {
    await api.close();
  }
});

test("an unsigned request, a wrong path and a misshapen body are refused and listed in problems", async () => {
  const api = await startStandIn();
  try {
    const unsigned = await fetch(`${api.url}/TraceSegments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ TraceSegmentDocuments: [documentText(1)] }),
    });
    assert.is(unsigned.status, 403);
    const wrongPath = await fetch(`${api.url}/PutTraceSegments`, { method: "POST", body: "{}" });
    assert.is(wrongPath.status, 404);
    const standIn = await startStandIn({ requireSignature: false });
    try {
      const tooMany = await fetch(`${standIn.url}/TraceSegments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ TraceSegmentDocuments: Array.from({ length: 51 }, (_, i) => documentText(i)) }),
      });
      assert.is(tooMany.status, 400);
      assert.equal(standIn.problems, ["PutTraceSegments: 51 documents in one call (at most 50)"]);
    } finally {
      await standIn.close();
    }
    assert.equal(api.problems, ["PutTraceSegments: no Authorization header", "POST /PutTraceSegments: no such operation"]);
    assert.is(api.accepted.length, 0);
  } finally {
    await api.close();
  }
});

test.run();
