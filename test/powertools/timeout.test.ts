/**
 * Lambda kills a timed-out invocation at its deadline. The `## handler` subsegment holds what
 * closed inside it, so, as traceHandler does, it is sent in progress (with them) 250 ms before the
 * context's deadline: the kill loses only what was still open (fixtures/timeout.ts, the driver
 * killed at a 1.5 s deadline, after a first invocation that returned in time).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { validateDocument } from "../../core/validate.ts";
import { compile } from "./harness.ts";
import { runFixture } from "./harness.ts";

for (const [exportName, child] of [
  ["handler", "### step"],
  ["middyHandler", "finished work"],
] as const) {
  test(`${exportName}: killed at its deadline, the handler's subsegment arrived in progress with "${child}" closed inside`, async () => {
    const [warm, slow] = [0, 1].map(() => ({
      root: `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`,
      parent: randomBytes(8).toString("hex"),
    }));
    const { root, parent } = slow!;
    const file = await compile("timeout", { side: "ours", decorators: "legacy", format: "esm" });
    const run = await runFixture({
      file,
      exportName,
      invocations: [
        { header: `Root=${warm!.root};Parent=${warm!.parent};Sampled=1`, event: {} },
        { header: `Root=${root};Parent=${parent};Sampled=1`, event: { hang: true } },
      ],
      expectedEntities: 3,
      env: { DRIVER_DEADLINE_MS: "1500" },
      killed: true,
    });
    assert.equal(run.outcomes, [], "killed before printing: the second invocation never ended");
    assert.is(run.documents.length, 2, JSON.stringify(run.documents));
    assert.is(run.documents[0]!.trace_id, warm!.root, "the first invocation returned, and sent its handler");
    const doc = run.documents[1];
    assert.equal(validateDocument(doc!), [], JSON.stringify(doc));
    assert.is(doc!.name, "## index.handler");
    assert.is(doc!.in_progress, true);
    assert.is(doc!.parent_id, parent);
    assert.is(doc!.trace_id, root);
    assert.equal(
      doc!.subsegments.map((s: Record<string, unknown>) => [s.name, s.in_progress ?? false]),
      [[child, false]],
    );
  });
}

test.run();
