/**
 * Tracing never hurts its host: inside a traced handler, Powertools calls with hostile values
 * (fixtures/hostile.ts: objects as annotations, cycles and BigInt in metadata, a reserved
 * namespace, null errors, junk given to setSegment, a config service that throws) throw nothing
 * into the handler, whose result comes back; what is sent is valid and keeps what was valid.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { randomBytes } from "node:crypto";
import { validateDocument } from "../../core/validate.ts";
import { compile, entities, runFixture } from "./harness.ts";

test("hostile values from a handler: nothing thrown, the result returned, valid documents", async () => {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const parent = randomBytes(8).toString("hex");
  const file = await compile("hostile", { side: "ours", decorators: "standard", format: "esm" });
  const run = await runFixture({
    file,
    invocations: [{ header: `Root=${root};Parent=${parent};Sampled=1`, event: { id: "x" } }],
    expectedEntities: 3,
    sentinel: true,
  });
  assert.equal(run.outcomes, [{ i: 0, result: { id: "x", traced: true } }], run.stderr);
  for (const d of run.documents) assert.equal(validateDocument(d), [], JSON.stringify(d));
  const all = [...entities(run.documents).values()];
  assert.equal(all.map((e) => e.name).sort(), ["## index.handler", "### unnamed", "anonymous"]);
  const handler = all.find((e) => e.name === "## index.handler")!;
  assert.is(handler.parent_id, parent);
  // a name that is not a string is no name (aws-xray-sdk-core would throw); the config service
  // threw: the default service name; the valid parts kept
  assert.is(handler.annotations.Service, "service_undefined");
  assert.is(handler.annotations.ColdStart, true);
  assert.is(handler.metadata.service_undefined.circular.self, "[Circular]");
  assert.is(handler.metadata.service_undefined.big, "10");
  assert.is(handler.metadata["AWS.reserved"], undefined);
  assert.is(handler.annotations.object, undefined);
  assert.is(handler.fault, true, "a string given to addErrorAsMetadata is recorded as aws-xray-sdk-core records it");
  const manual = all.find((e) => e.name === "anonymous")!;
  assert.is(manual.cause.exceptions[0].message, "closed with an error");
  // warnings are said, once each, never thrown
  assert.match(run.stderr, /\[xray-edge\]/);
});

test.run();
