/**
 * The deadline timer (adapters/lambda/deadline.ts) never keeps a process alive by itself: on
 * Node, Bun and Deno (each unrefs its timers its own way), a process whose traced handler waits on
 * nothing ends at once, not at the deadline ten minutes later.
 */
import { spawn } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";

const FIXTURE = "test/lambda/fixtures/unref.mjs";
const COMMANDS: Record<string, string[]> = {
  node: [process.execPath, FIXTURE],
  bun: ["node_modules/.bin/bun", FIXTURE],
  deno: ["node_modules/.bin/deno", "run", "-A", FIXTURE],
};

for (const [runtime, [cmd, ...args]] of Object.entries(COMMANDS)) {
  test(`${runtime}: a pending handler's deadline timer does not keep the process alive`, async () => {
    const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    const ended = await new Promise<number | string>((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve("still running after 20 s");
      }, 20_000);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve(code ?? signal ?? "unknown");
      });
    });
    assert.is(out.trim(), "armed", err);
    assert.is(ended, 0, err);
  });
}

test.run();
