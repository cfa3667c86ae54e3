// Runs test/runtimes/workerd/worker.ts in workerd (from npm): bundle it with the vectors, put
// core.wasm beside it as a wasm module, and `workerd test`. Exits with workerd's code.
import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "xray-workerd-"));
try {
  await build({
    entryPoints: [`${root}test/runtimes/workerd/worker.ts`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    outfile: join(dir, "worker.js"),
    external: ["./core.wasm", "node:*"],
    // Before uvu loads, as its own runner does: queue the suites in one group; test() runs them.
    banner: { js: 'globalThis.UVU_DEFER = 1; globalThis.UVU_QUEUE = [["workerd"]];' },
    logLevel: "warning",
  });
  copyFileSync(`${root}dist/workerd/core.wasm`, join(dir, "core.wasm"));
  writeFileSync(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (services = [(name = "conformance", worker = .worker)]);
const worker :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js"), (name = "core.wasm", wasm = embed "core.wasm")],
  compatibilityDate = "2026-10-01",
);
`,
  );
  const r = spawnSync(`${root}node_modules/.bin/workerd`, ["test", join(dir, "config.capnp")], { encoding: "utf8", timeout: 120_000 });
  process.stdout.write(r.stdout + r.stderr);
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
