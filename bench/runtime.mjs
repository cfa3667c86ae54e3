// The custom runtimes' cost (runtime-child.ts, under the tsx hook for the emulator's sources):
// warm round trips through the emulator with and without tracing, and cold start, on each runtime.
import { execFileSync } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function runRuntimes({ quick = false, only } = {}) {
  const sink = dgram.createSocket("udp4");
  await new Promise((r) => sink.bind(0, "127.0.0.1", r));
  let stdout;
  try {
    stdout = execFileSync(process.execPath, ["--import", "./scripts/register.mjs", "bench/runtime-child.ts", String(sink.address().port), ...(quick ? ["--quick"] : []), ...(only ? [`--only=${only}`] : [])], { cwd: root, encoding: "utf8", timeout: 900_000 });
  } finally {
    sink.close();
  }
  const results = JSON.parse(stdout.trim().split("\n").pop());
  for (const [runtime, r] of Object.entries(results)) {
    const added = ((r.traced - r.untraced) / r.untraced) * 100;
    console.log(`runtime loop, ${runtime.padEnd(4)}               warm round trip untraced ${r.untraced.toFixed(0)} µs, traced ${r.traced.toFixed(0)} µs (${added >= 0 ? "+" : ""}${added.toFixed(1)}%)   cold start ${r.cold.toFixed(0)} ms${runtime === "node" || !results.node ? "" : ` (${(r.cold / results.node.cold).toFixed(2)}x node)`}`);
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await runRuntimes({ quick: process.argv.includes("--quick"), only: process.argv.find((a) => a.startsWith("--only="))?.slice(7) });
}
