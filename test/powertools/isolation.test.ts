/**
 * Powertools' per-invocation isolation under Lambda Managed Instances: with
 * AWS_LAMBDA_MAX_CONCURRENCY set, Lambda's Node runtime runs invocations at once, each inside its
 * own InvokeStore context, and _X_AMZN_TRACE_ID cannot tell them apart. 40 invocations run
 * together, every await interleaving them (fixtures/concurrent.ts): each entity must be in its own
 * invocation's trace, under its own facade, carrying its own invocation's number.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { validateDocument } from "../../core/validate.ts";
import { compile, entities, runFixture } from "./harness.ts";

const N = 40;

function invocations() {
  return Array.from({ length: N }, (_, inv) => {
    const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
    const parent = randomBytes(8).toString("hex");
    return { root, parent, header: `Root=${root};Parent=${parent};Sampled=1`, event: { inv } };
  });
}

/** Each entity's invocation, found from its trace: its root must be that invocation's, and so must its `inv`. */
function checkIsolated(documents: Record<string, any>[], invs: ReturnType<typeof invocations>, perInvocation: string[]) {
  const byRoot = new Map(invs.map((x, i) => [x.root, i]));
  const all = entities(documents);
  const parentOf = new Map<string, string>();
  const note = (e: Record<string, any>, p: string | undefined) => {
    if (p) parentOf.set(e.id, p);
    for (const s of e.subsegments ?? []) note(s, e.id);
  };
  for (const d of documents) {
    assert.equal(validateDocument(d), [], JSON.stringify(d).slice(0, 300));
    note(d, d.parent_id);
  }
  const names = new Map<number, string[]>();
  for (const d of documents) {
    const i = byRoot.get(d.trace_id);
    assert.ok(i !== undefined, `a document of no invocation's trace: ${d.trace_id}`);
    const walk = (e: Record<string, any>) => {
      if (e.annotations && "inv" in e.annotations)
        assert.is(e.annotations.inv, i, `${e.name} of invocation ${i} says ${e.annotations.inv}`);
      if (e.annotations && "back" in e.annotations) assert.is(e.annotations.back, i);
      // up the parents to the facade: this invocation's Parent
      let id = e.id;
      for (let hops = 0; parentOf.has(id) && hops < 10; hops++) id = parentOf.get(id)!;
      assert.is(id, invs[i!]!.parent, `${e.name} of invocation ${i} hangs under its facade`);
      names.set(i!, [...(names.get(i!) ?? []), e.name]);
      for (const s of e.subsegments ?? []) walk(s);
    };
    walk(d);
  }
  assert.is(all.size, N * perInvocation.length);
  for (let i = 0; i < N; i++) assert.equal(names.get(i)?.sort(), perInvocation, `invocation ${i}`);
}

test(`${N} concurrent invocations of a decorated handler (Managed Instances): every entity in its own invocation's trace`, async () => {
  const invs = invocations();
  const file = await compile("concurrent", { side: "ours", decorators: "legacy", format: "esm" });
  const expected = ["## index.handler", "### step", "### step"];
  const run = await runFixture({
    file,
    invocations: invs,
    expectedEntities: N * expected.length,
    env: { AWS_LAMBDA_MAX_CONCURRENCY: "64", AWS_LAMBDA_INITIALIZATION_TYPE: "lambda-managed-instances" },
  });
  assert.equal(
    run.outcomes.map((o) => o.result?.inv),
    invs.map((_, i) => i),
  );
  checkIsolated(run.documents, invs, expected);
  // ColdStart is false on Managed Instances, as Powertools says for any environment but on-demand
  const handlers = [...entities(run.documents).values()].filter((e) => e.name === "## index.handler");
  assert.ok(handlers.every((h) => h.annotations.ColdStart === false && h.annotations.Service === "concurrent"));
});

test(`${N} concurrent invocations through the middy middleware, with setSegment between awaits`, async () => {
  const invs = invocations();
  const file = await compile("concurrent", { side: "ours", decorators: "standard", format: "esm" });
  const expected = ["## index.handler", "manual step"];
  const run = await runFixture({
    file,
    exportName: "middyHandler",
    invocations: invs,
    expectedEntities: N * expected.length,
    env: { AWS_LAMBDA_MAX_CONCURRENCY: "64" },
  });
  assert.equal(
    run.outcomes.map((o) => o.result?.inv),
    invs.map((_, i) => i),
  );
  checkIsolated(run.documents, invs, expected);
  // back on the handler's subsegment after setSegment(segment): the annotation is there
  const handlers = [...entities(run.documents).values()].filter((e) => e.name === "## index.handler");
  assert.is(handlers.filter((h) => typeof h.annotations.back === "number").length, N);
});

test.run();
