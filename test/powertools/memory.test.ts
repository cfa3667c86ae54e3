/**
 * Bounded by design: each invocation's facade is ended when the handler's subsegment under it
 * closes (as traceHandler ends its own), so 4,000 invocations, 50 at a time, leave no entity alive
 * in the core, with nothing waiting on the garbage collector (fixtures/memory.ts).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { ROOT } from "./harness.ts";

test("4,000 concurrent-batch invocations (decorator and middy) leave no live entity in the core", () => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
    AWS_LAMBDA_MAX_CONCURRENCY: "64",
    _HANDLER: "index.handler",
  };
  const r = spawnSync(process.execPath, ["--import", "./scripts/register.mjs", "test/powertools/fixtures/memory.ts"], {
    cwd: ROOT,
    env,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.trim().split("\n").at(-1)!), { live: 0 }, r.stderr);
});

test.run();
