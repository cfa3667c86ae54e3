/**
 * Hostile incoming headers (every character class in extras, their keys, Lineage and Self; AWS's
 * Lineage forms, near misses, a 7 KB one) through captureAwsClient on a real XRayClient to a local
 * stand-in: no call is rejected, and every X-Amzn-Trace-Id received is visible ASCII within
 * budget, with one valid Root. In a segment and in pass-through.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { GetSamplingRulesCommand } from "@aws-sdk/client-xray";
import { captureAwsClient } from "../../adapters/aws-sdk/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { runIn } from "../../adapters/context/storage.ts";
import { asciiFields, hostileFields, MAX_PROPAGATED, VISIBLE_ASCII } from "../core/chars.ts";
import { fakeService, json, tracing, xrayClient, type FakeService } from "./helpers.ts";

let service: FakeService;
test.before(async () => {
  service = await fakeService();
  service.script({ status: 200, body: json({ SamplingRuleRecords: [] }) });
});
test.after(() => service.close());

const RUNS = 150;
const ROOT = "1-5759e988-bd862e3fe1be46a994272793";
const sampled = fc.constantFrom(";Sampled=1", ";Sampled=0", ";Sampled=?", "");

function assertValid(header: string | undefined): void {
  assert.type(header, "string");
  assert.match(header!, VISIBLE_ASCII);
  assert.ok(header!.length <= MAX_PROPAGATED, `${header!.length} characters`);
  const roots = header!.split(";").filter((f) => /^ *root *=/i.test(f));
  assert.is(roots.length, 1, header);
  assert.match(roots[0]!, /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
}

test("in a segment: no call rejects, every request carries a valid header", async () => {
  const { tracer } = tracing();
  const client = captureAwsClient(xrayClient(service));
  await fc.assert(
    fc.asyncProperty(sampled, hostileFields, async (s, fields) => {
      service.seen.length = 0;
      const segment = tracer.beginSegment("hostile", { traceHeader: `Root=${ROOT}${s}${fields}` });
      const out = await withSegment(segment, () => client.send(new GetSamplingRulesCommand({})));
      segment.close();
      assert.equal(out.SamplingRuleRecords, []);
      assert.is(service.seen.length, 1);
      assertValid(service.seen[0]!.traceHeader);
    }),
    { numRuns: RUNS },
  );
  client.destroy();
});

test("pass-through: a valid incoming header goes as it is, any other is not sent; no call rejects", async () => {
  const client = captureAwsClient(xrayClient(service));
  await fc.assert(
    fc.asyncProperty(sampled, fc.oneof(hostileFields, asciiFields), async (s, fields) => {
      service.seen.length = 0;
      const incoming = `Root=${ROOT}${s}${fields}`;
      const out = await runIn(incoming, () => client.send(new GetSamplingRulesCommand({})));
      assert.equal(out.SamplingRuleRecords, []);
      assert.is(service.seen.length, 1);
      // The test's own reading of the rule: visible ASCII within 595 characters goes as it is
      // (the server trims the spaces around a header value).
      const expected = VISIBLE_ASCII.test(incoming) && incoming.length <= 595 ? incoming.trim() : undefined;
      assert.is(service.seen[0]!.traceHeader, expected);
    }),
    { numRuns: RUNS },
  );
  client.destroy();
});

test.run();
