/**
 * Callback-style handlers in real processes: traced through their callback where Lambda's Node
 * runtime runs them (Node 20; Node 22 one invocation at a time; Bun and Deno custom runtimes),
 * refused at import with Lambda's own error where it does not (Node 24 and later, as nodejs24.x
 * refuses them at init; Managed Instances). The group `node24` runs this file on Node 24.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileURLToPath } from "node:url";
import { newHeader, runHandler } from "./helpers.ts";

const MAJOR = Number.parseInt(process.versions.node, 10);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const NODE24_ERROR =
  "Runtime.CallbackHandlerDeprecated: ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";
const NODE22_MANAGED_ERROR =
  "Runtime.CallbackHandlerDeprecated: ERROR: AWS Lambda does not support callback-based function handlers when using Node.js 22 with Managed Instances. To use Managed Instances, modify this function to use a supported handler signature. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.";

/** Two invocations of fixtures/callback.mjs: one answered through the callback, one failed through it. */
async function runCallbacks(env: Record<string, string> = {}, command?: string[]) {
  const h = [newHeader(), newHeader()];
  const run = await runHandler(
    "callbackHandler",
    [
      { header: h[0]!.header, event: { id: "cb" } },
      { header: h[1]!.header, event: { fail: "via callback" } },
    ],
    env,
    "callback",
    command,
  );
  return { h, run };
}

function assertTraced({ h, run }: Awaited<ReturnType<typeof runCallbacks>>): void {
  assert.is(run.code, 0, run.stderr);
  assert.equal(run.outcomes, [
    { result: { id: "cb", via: "callback" } },
    { error: { name: "TypeError", message: "via callback", same: true } },
  ]);
  assert.equal(
    run.documents.map((d) => [d.name, d.trace_id, d.parent_id, d.fault ?? false]),
    [
      ["## callback.callbackHandler", h[0]!.root, h[0]!.parent, false],
      ["## callback.callbackHandler", h[1]!.root, h[1]!.parent, true],
    ],
  );
}

function assertRefused({ run }: Awaited<ReturnType<typeof runCallbacks>>, error: string): void {
  assert.is.not(run.code, 0, "the import fails, as Lambda's init does");
  assert.ok(run.stderr.includes(error), run.stderr);
  assert.equal(run.outcomes, [], "no invocation runs");
  assert.equal(run.documents, []);
}

if (MAJOR >= 24) {
  test(`Node ${process.versions.node}: a callback handler is refused at import with nodejs24.x's Runtime.CallbackHandlerDeprecated`, async () => {
    assertRefused(await runCallbacks(), NODE24_ERROR);
  });
} else {
  test(`Node ${process.versions.node}: callback handlers, result and error through the callback`, async () => {
    assertTraced(await runCallbacks());
  });
}

test(`Managed Instances (AWS_LAMBDA_MAX_CONCURRENCY) on Node ${MAJOR}: refused as Lambda's runtime refuses it there`, async () => {
  const error = MAJOR >= 24 ? NODE24_ERROR : NODE22_MANAGED_ERROR;
  assertRefused(await runCallbacks({ AWS_LAMBDA_MAX_CONCURRENCY: "4" }), error);
  // With tracing off too: the wrapper would be the handler itself, which Lambda's runtime refuses.
  assertRefused(await runCallbacks({ AWS_LAMBDA_MAX_CONCURRENCY: "4", AWS_XRAY_SDK_ENABLED: "false" }), error);
});

test("Bun and Deno, which report Node 26 but are not Lambda's Node runtime: callback handlers are traced", async () => {
  assertTraced(await runCallbacks({}, [`${ROOT}node_modules/.bin/bun`]));
  assertTraced(await runCallbacks({}, [`${ROOT}node_modules/.bin/deno`, "run", "-A"]));
});

test.run();
