/**
 * Runs test/workers/fixtures/worker.ts in workerd (from npm) with `workerd serve`: bundled by
 * esbuild against dist/workerd (core.wasm beside it as a wasm module), one worker per set of
 * bindings, each on its own http socket at 127.0.0.1:0. workerd reports the ports it bound on
 * --control-fd, so no port is guessed. Outbound fetch goes through a network service that allows
 * only loopback ("local"): the stand-in on 127.0.0.1, nothing else.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../", import.meta.url));

export interface WorkerSpec {
  /** The service's (and its socket's) name. */
  name: string;
  /** Text bindings: the Worker's env. */
  env: Record<string, string>;
  compatibilityFlags?: string[];
  /** Default 2026-10-01 (nodejs_compat on by default from 2026-08-04). */
  compatibilityDate?: string;
}

export interface Workerd {
  /** `http://127.0.0.1:<port>` of each worker's socket, by name. */
  urls: Record<string, string>;
  /** What workerd printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

const capnpString = (s: string) => JSON.stringify(s);

function config(specs: WorkerSpec[]): string {
  const services = specs.map((s, i) => `(name = ${capnpString(s.name)}, worker = .worker${i})`).join(",\n    ");
  const sockets = specs.map((s) => `(name = ${capnpString(s.name)}, address = "127.0.0.1:0", http = (), service = ${capnpString(s.name)})`);
  const workers = specs.map(
    (s, i) => `const worker${i} :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js"), (name = "core.wasm", wasm = embed "core.wasm")],
  compatibilityDate = ${capnpString(s.compatibilityDate ?? "2026-10-01")},
  compatibilityFlags = [${(s.compatibilityFlags ?? []).map(capnpString).join(", ")}],
  bindings = [${Object.entries(s.env)
    .map(([k, v]) => `(name = ${capnpString(k)}, text = ${capnpString(v)})`)
    .join(", ")}],
  globalOutbound = "loopback",
);`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    ${services},
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [${sockets.join(", ")}],
);
${workers.join("\n")}
`;
}

/** Bundles the worker with the stand-in's URL and starts workerd; resolves once every socket listens. */
export async function startWorkerd(standin: string, specs: WorkerSpec[]): Promise<Workerd> {
  const dir = mkdtempSync(join(tmpdir(), "xray-workers-"));
  await build({
    entryPoints: [`${root}test/workers/fixtures/worker.ts`],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd"],
    outfile: join(dir, "worker.js"),
    external: ["./core.wasm"],
    define: { STANDIN: JSON.stringify(standin) },
    logLevel: "warning",
  });
  copyFileSync(`${root}dist/workerd/core.wasm`, join(dir, "core.wasm"));
  writeFileSync(join(dir, "config.capnp"), config(specs));
  const child: ChildProcess = spawn(`${root}node_modules/.bin/workerd`, ["serve", join(dir, "config.capnp"), "--control-fd=3"], {
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const urls: Record<string, string> = {};
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let lines = "";
      // Generous: a first workerd start on a loaded 2-core machine compiles the config and the wasm.
      const timer = setTimeout(() => reject(new Error(`workerd did not listen within 60 s:\n${output}`)), 60_000);
      child.once("exit", (code) => reject(new Error(`workerd exited (${code}) before listening:\n${output}`)));
      (child.stdio[3] as NodeJS.ReadableStream).on("data", (c) => {
        lines += c;
        for (const line of lines.split("\n").slice(0, -1)) {
          const m = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (m.event === "listen" && m.socket !== undefined) urls[m.socket] = `http://127.0.0.1:${m.port}`;
        }
        lines = lines.slice(lines.lastIndexOf("\n") + 1);
        if (specs.every((s) => urls[s.name] !== undefined)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { urls, output: () => output, stop };
}
