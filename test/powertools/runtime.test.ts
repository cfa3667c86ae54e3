/**
 * Under xray-edge's custom runtime every loaded handler goes through traceHandler. A Powertools
 * handler must then still give one `## index.handler` per invocation (fixtures/runtime.ts): the
 * decorated method keeps the traced mark, so traceHandler leaves it as it is; bound, or behind
 * middy, it has no mark, and the Powertools capture records into the runtime's subsegment.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { compile, entities, runFixture } from "./harness.ts";

function headers(n: number) {
  return Array.from({ length: n }, () => {
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
    const parent = randomBytes(8).toString("hex");
    return { root, parent, header: `Root=${root};Parent=${parent};Sampled=1` };
  });
}

const file = () => compile("runtime", { side: "ours", decorators: "legacy", format: "esm" });

test("the decorated method carries xray-edge's traced mark: traceHandler returns it as it is", async () => {
  const [h] = headers(1);
  const run = await runFixture({
    file: await file(),
    exportName: "markKept",
    invocations: [{ header: h!.header, event: {} }],
    expectedEntities: 0,
  });
  assert.equal(run.outcomes, [{ i: 0, result: { same: true } }]);
});

test("bound, inside traceHandler: one `## index.handler` per invocation, with Powertools' annotations and response", async () => {
  const hs = headers(2);
  const run = await runFixture({
    file: await file(),
    exportName: "bound",
    invocations: hs.map((h, i) => ({ header: h.header, event: { id: `e${i}` } })),
    expectedEntities: 4,
    sentinel: true,
    env: { POWERTOOLS_SERVICE_NAME: "orders" },
  });
  assert.is(run.documents.length, 2, JSON.stringify(run.documents));
  for (const [i, doc] of run.documents.entries()) {
    assert.is(doc.name, "## index.handler");
    assert.is(doc.trace_id, hs[i]!.root);
    assert.is(doc.parent_id, hs[i]!.parent);
    assert.equal(doc.annotations, { ColdStart: i === 0, Service: "orders" });
    assert.equal(doc.metadata, { orders: { "index.handler response": { id: `e${i}` } } });
    assert.equal(
      doc.subsegments.map((s: Record<string, any>) => [s.name, s.annotations]),
      [["### work", { worked: true }]],
    );
  }
});

test("behind middy, inside traceHandler: the middleware records into the runtime's `## index.handler`", async () => {
  const hs = headers(2);
  const run = await runFixture({
    file: await file(),
    exportName: "middyWrapped",
    invocations: hs.map((h, i) => ({ header: h.header, event: { id: `m${i}` } })),
    expectedEntities: 2,
    sentinel: true,
    env: { POWERTOOLS_SERVICE_NAME: "orders" },
  });
  const all = [...entities(run.documents).values()];
  assert.equal(
    all.map((e) => e.name),
    ["## index.handler", "## index.handler"],
  );
  for (const [i, doc] of run.documents.entries()) {
    assert.is(doc.trace_id, hs[i]!.root);
    assert.is(doc.parent_id, hs[i]!.parent);
    assert.equal(doc.annotations, { ColdStart: i === 0, Service: "orders", via: "middy" });
    assert.equal(doc.metadata, { orders: { "index.handler response": { id: `m${i}` } } });
  }
});

test.run();
