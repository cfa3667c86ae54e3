/**
 * Handler load errors as the person who wrote the handler needs them (issue 16, point 7): a syntax
 * error in an ES module names its file, line and column on Node (whose own error names neither),
 * Bun and Deno; a dependency that is not installed is named; a `.ts` handler on a Node that does
 * not strip types says so rather than "module not found", and runs where types are stripped (Node
 * 22 from npm, Bun, Deno). Each through the real runtime loop (dist/bootstrap.js) and the emulator.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import path from "node:path";
import { startEmulator } from "../../bin/invoke/emulator.ts";
import { nodeBinary } from "../runtimes/node-binaries.ts";
import { ROOT } from "./helpers.ts";

const TASK_ROOT = path.join(ROOT, "test/invoke/fixtures");
const BOOTSTRAP = path.join(ROOT, "dist/bootstrap.js");
const COMMANDS: Record<string, string[]> = {
  node: [process.execPath, BOOTSTRAP],
  node22: [nodeBinary(22), BOOTSTRAP],
  bun: [path.join(ROOT, "node_modules/.bin/bun"), BOOTSTRAP],
  deno: [path.join(ROOT, "node_modules/.bin/deno"), "run", "-A", BOOTSTRAP],
};

async function invokeOnce(runtime: string, handler: string, event: unknown = {}) {
  const emulator = await startEmulator({
    command: COMMANDS[runtime]!,
    taskRoot: TASK_ROOT,
    handler,
    functionSegment: false,
    quiet: true,
    timeoutMs: 20_000,
    initTimeoutMs: 20_000,
  });
  try {
    return await emulator.invoke(event);
  } finally {
    await emulator.close();
  }
}

const SYNTAX_FILE = path.join(TASK_ROOT, "syntax.mjs");

for (const runtime of ["node", "bun", "deno"]) {
  test(`${runtime}: a syntax error in an ES module names the file, line 2 and column 13`, async () => {
    const result = await invokeOnce(runtime, "syntax.handler");
    assert.is(result.status, "init error", JSON.stringify(result));
    assert.is(result.error?.errorType, "Runtime.UserCodeSyntaxError");
    const message = result.error?.errorMessage ?? "";
    assert.ok(message.includes(`${SYNTAX_FILE}:2:13`) || message.includes(`file://${SYNTAX_FILE}:2:13`), message);
  });

  test(`${runtime}: a dependency that is not installed is named as the cause`, async () => {
    const result = await invokeOnce(runtime, "deps.handler");
    assert.is(result.status, "init error", JSON.stringify(result));
    assert.is(result.error?.errorType, "Runtime.ImportModuleError");
    assert.match(result.error?.errorMessage ?? "", /no-such-package-xray-edge/);
  });
}

test("node 20 (no type stripping): a .ts handler is named as TypeScript Node does not run, with what to do", async () => {
  const result = await invokeOnce("node", "typed.handler", { n: 2 });
  assert.is(result.status, "init error", JSON.stringify(result));
  assert.is(result.error?.errorType, "Runtime.ImportModuleError");
  const message = result.error?.errorMessage ?? "";
  assert.ok(message.startsWith(`${path.join(TASK_ROOT, "typed.ts")} is TypeScript`), message);
  assert.match(message, /compile it to \.js or \.mjs/);
  assert.not.match(message, /Cannot find/);
});

for (const runtime of ["node22", "bun", "deno"]) {
  test(`${runtime}: the .ts handler runs`, async () => {
    const result = await invokeOnce(runtime, "typed.handler", { n: 21 });
    assert.is(result.status, "success", JSON.stringify(result));
    assert.equal(result.response, { doubled: 42 });
  });
}

test.run();
