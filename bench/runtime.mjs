// The custom runtimes' cost (runtime-child.ts, under the tsx hook for the emulator's sources):
// warm round trips through the emulator with and without tracing, and cold start, on each runtime.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function runRuntimes({ quick = false } = {}) {
  const stdout = execFileSync(process.execPath, ["--import", "./scripts/register.mjs", "bench/runtime-child.ts", ...(quick ? ["--quick"] : [])], { cwd: root, encoding: "utf8", timeout: 900_000 });
  const results = JSON.parse(stdout.trim().split("\n").pop());
  for (const [runtime, r] of Object.entries(results)) {
    const added = ((r.traced - r.untraced) / r.untraced) * 100;
    console.log(`runtime loop, ${runtime.padEnd(4)}               warm round trip untraced ${r.untraced.toFixed(0)} µs, traced ${r.traced.toFixed(0)} µs (${added >= 0 ? "+" : ""}${added.toFixed(1)}%)   cold start ${r.cold.toFixed(0)} ms${runtime === "node" ? "" : ` (${(r.cold / results.node.cold).toFixed(2)}x node)`}`);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runRuntimes({ quick: process.argv.includes("--quick") });
