/**
 * --memory under the emulator, for the fixture runtime on node, bun and deno (Linux: the emulator
 * reads /proc): every REPORT line gives Max Memory Used, a peak that covers what the runtime
 * allocated; a runtime that goes over the limit is killed and the invocation ends as
 * Runtime.OutOfMemory, as on Lambda, and the next event gets a fresh runtime.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator } from "../../bin/invoke/emulator.ts";
import { RUNTIME_COMMANDS, collector } from "./helpers.ts";

const reportOf = (text: string, requestId: string): string =>
  text.split("\n").find((l) => l.startsWith(`REPORT RequestId: ${requestId}`)) ?? "";

for (const [runtime, command] of Object.entries(RUNTIME_COMMANDS)) {
  test(`${runtime}: Max Memory Used in each REPORT line, a peak that covers what was allocated`, async () => {
    const logs = collector();
    const em = await startEmulator({ command, memoryMb: 512, timeoutMs: 20_000, log: logs.log });
    try {
      const before = await em.invoke({ action: "echo" });
      const grown = await em.invoke({ action: "allocate", mb: 96 });
      const after = await em.invoke({ action: "echo" });
      for (const r of [before, grown, after]) assert.is(r.status, "success", `${JSON.stringify(r)}\n${logs.text()}`);
      const used = [before, grown, after].map((r) => r.maxMemoryUsedMb ?? Number.NaN);
      // Any of these runtimes holds more than 10 MB resident; 96 MiB were written on top of that.
      assert.ok(used[0]! > 10 && used[0]! < 512, `before: ${used[0]} MB`);
      assert.ok(used[1]! >= 96 + 10 && used[1]! <= 512, `after allocating 96 MiB: ${used[1]} MB`);
      assert.ok(used[2]! >= used[1]!, `a peak does not go down: ${used[2]} after ${used[1]}`);
      for (const [i, r] of [before, grown, after].entries())
        assert.match(reportOf(logs.text(), r.requestId), new RegExp(`\\tMemory Size: 512 MB\\tMax Memory Used: ${used[i]} MB(\\t|$)`));
    } finally {
      await em.close();
    }
  });

  test(`${runtime}: over --memory, the runtime is killed: Runtime.OutOfMemory, then a fresh runtime`, async () => {
    const logs = collector();
    const em = await startEmulator({ command, memoryMb: 128, timeoutMs: 20_000, log: logs.log });
    try {
      // Held long enough that only the memory limit can end it before the timeout.
      const [oom, next] = await Promise.all([em.invoke({ action: "allocate", mb: 320, holdMs: 15_000 }), em.invoke({ action: "echo" })]);
      assert.is(oom!.status, "error", `${JSON.stringify(oom)}\n${logs.text()}`);
      assert.equal(oom!.error, {
        errorType: "Runtime.OutOfMemory",
        errorMessage: `RequestId: ${oom!.requestId} Error: Runtime exited with error: signal: killed`,
      });
      assert.is(oom!.maxMemoryUsedMb, 128, "reported at the limit, as Lambda's cgroup caps it");
      assert.match(reportOf(logs.text(), oom!.requestId), /\tMax Memory Used: 128 MB\t.*Status: error\tError Type: Runtime\.OutOfMemory$/);
      assert.match(logs.text(), new RegExp(`runtime \\(pid ${oom!.pid}\\) used \\d+ MB, over the 128 MB of --memory: killed`));
      assert.is(next!.status, "success", logs.text());
      assert.is.not(next!.pid, oom!.pid);
      assert.ok(next!.initDurationMs !== undefined, "a fresh runtime is a cold start");
    } finally {
      await em.close();
    }
  });
}

test("over --memory during init: every queued invocation ends as an init error, Runtime.OutOfMemory", async () => {
  const grow = "const kept = []; setInterval(() => kept.push(new Uint8Array(8 << 20).fill(1)), 1);";
  const em = await startEmulator({ command: [process.execPath, "-e", grow], memoryMb: 128, quiet: true });
  try {
    const [a, b] = await Promise.all([em.invoke({}), em.invoke({})]);
    for (const r of [a!, b!]) {
      assert.is(r.status, "init error", JSON.stringify(r));
      assert.equal(r.error, { errorType: "Runtime.OutOfMemory", errorMessage: "Runtime exited with error: signal: killed" });
    }
  } finally {
    await em.close();
  }
});

test("memoryMb outside Lambda's range is refused before anything starts", async () => {
  for (const memoryMb of [127, 10241, 256.5, Number.NaN]) {
    try {
      await startEmulator({ command: ["/bin/true"], memoryMb, quiet: true });
      assert.unreachable(`accepted memoryMb ${memoryMb}`);
    } catch (e) {
      assert.instance(e, RangeError);
      assert.match((e as Error).message, /memoryMb must be a whole number from 128 to 10240/);
    }
  }
});

test.run();
