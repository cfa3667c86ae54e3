/**
 * A timed-out invocation still leaves its trace (issue 11): traceHandler in a real Node process,
 * killed at its deadline by the harness as Lambda kills the sandbox. Everything the listener got
 * was sent before the deadline; every subsegment that closed must be in it.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateDocument } from "../../core/validate.ts";
import { newHeader, runHandler } from "./helpers.ts";

const TIMEOUT_MS = 3000;

/** The subsegments of `doc` by name, with whether each is closed, nested. */
function shape(doc: Record<string, any>): unknown {
  return [doc.name, doc.in_progress === true ? "open" : "closed", ...(doc.subsegments ?? []).map(shape)];
}

test("a handler that hangs past its deadline: killed, and its closed subsegments and the open handler were already sent", async () => {
  const h = newHeader();
  const run = await runHandler("handler", [{ header: h.header, event: { hang: true }, timeoutMs: TIMEOUT_MS }], {}, "timeout");
  assert.is(run.code, null, "killed at the deadline");
  assert.equal(run.outcomes, [{ timedOut: true }], run.stderr);
  assert.is(run.documents.length, 1, run.stderr);
  const [doc] = run.documents;
  assert.equal(validateDocument(doc!), [], JSON.stringify(doc));
  assert.is(doc!.type, "subsegment");
  assert.is(doc!.trace_id, h.root);
  assert.is(doc!.parent_id, h.parent);
  assert.equal(doc!.annotations, { ColdStart: true, Service: "fixture-function" });
  assert.equal(shape(doc!), [
    "## timeout.handler",
    "open",
    ["first", "closed"],
    ["second", "closed"],
    ["stuck", "open", ["inner", "closed"]],
  ]);
  assert.equal(doc!.subsegments[0].annotations, { step: 1 });
  assert.equal(doc!.subsegments[1].metadata, { default: { rows: [1, 2, 3] } });
});

test("a handler that ends after the margin but before its deadline: sent in progress, then again closed under the same ID", async () => {
  const h = newHeader();
  const run = await runHandler("handler", [{ header: h.header, event: { lateMs: 100 }, timeoutMs: TIMEOUT_MS }], {}, "timeout");
  assert.is(run.code, 0, run.stderr);
  assert.equal(run.outcomes, [{ result: { late: true } }]);
  assert.is(run.documents.length, 2, run.stderr);
  const [early, last] = run.documents;
  for (const doc of run.documents) assert.equal(validateDocument(doc), [], JSON.stringify(doc));
  assert.is(early!.id, last!.id);
  assert.equal(shape(early!), [
    "## timeout.handler",
    "open",
    ["first", "closed"],
    ["second", "closed"],
    ["stuck", "open", ["inner", "closed"]],
  ]);
  assert.equal(shape(last!), [
    "## timeout.handler",
    "closed",
    ["first", "closed"],
    ["second", "closed"],
    ["stuck", "closed", ["inner", "closed"]],
  ]);
  assert.equal(last!.metadata, { "fixture-function": { "timeout.handler response": { late: true } } });
  assert.is(last!.parent_id, h.parent);
});

test("deadlineMarginMs: the in-progress trace goes out that long before the deadline", async () => {
  const h = newHeader();
  // Ends 600 ms before its deadline: inside a 1500 ms margin, so sent twice; outside the default's, once.
  const run = await runHandler("wideMargin", [{ header: h.header, event: { lateMs: 600 }, timeoutMs: TIMEOUT_MS }], {}, "timeout");
  assert.is(run.code, 0, run.stderr);
  assert.equal(
    run.documents.map((d) => d.in_progress === true),
    [true, false],
    run.stderr,
  );
  const plain = await runHandler("handler", [{ header: newHeader().header, event: { lateMs: 600 }, timeoutMs: TIMEOUT_MS }], {}, "timeout");
  assert.equal(
    plain.documents.map((d) => d.in_progress === true),
    [false],
    plain.stderr,
  );
});

test("a malformed deadlineMarginMs throws at init, naming the option", async () => {
  const { traceHandler } = await import("../../adapters/lambda/index.ts");
  for (const bad of [-1, Number.NaN, "250", Infinity])
    assert.throws(() => traceHandler(async () => 1, { deadlineMarginMs: bad as number }), /deadlineMarginMs/);
  assert.type(
    traceHandler(async () => 1, { deadlineMarginMs: 0 }),
    "function",
  );
});

test.run();
