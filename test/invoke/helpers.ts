/**
 * Shared by the invoke tests: the fixture runtime under node, bun and deno, the CLI as a real
 * process, and the shapes Lambda documents for its IDs and headers.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

// A hung emulator or runtime must fail the group, not stall it: every file of the group imports this.
setTimeout(() => {
  process.stderr.write("test/invoke: still running after 120 s, giving up\n");
  process.exit(1);
}, 120_000).unref();

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(ROOT, "bin/xray-edge.ts");
export const FIXTURES = path.join(ROOT, "test/invoke/fixtures");
export const FIXTURE = path.join(FIXTURES, "runtime.mjs");

/** The fixture runtime as a command for each runtime. */
export const RUNTIME_COMMANDS = {
  node: [process.execPath, FIXTURE],
  bun: [path.join(ROOT, "node_modules/.bin/bun"), FIXTURE],
  deno: [path.join(ROOT, "node_modules/.bin/deno"), "run", "-A", FIXTURE],
} as const;

/** A process that never calls the API: the tests play the runtime themselves over HTTP. */
export const IDLE_COMMAND = [process.execPath, "-e", "setInterval(() => {}, 60000)"];

/**
 * The emulator, its invoke() made to expect rejections: a failed assertion closes the emulator
 * with invocations pending, and their rejections must not end the run before uvu reports it.
 */
export function expectingRejections<E extends { invoke: (...args: any[]) => Promise<unknown> }>(em: E): E {
  const invoke = em.invoke.bind(em);
  em.invoke = ((...args: unknown[]) => {
    const pending = invoke(...args);
    pending.catch(() => {});
    return pending;
  }) as E["invoke"];
  return em;
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
export const TRACE = /^Root=1-([0-9a-f]{8})-([0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=([01])$/;

/** Checks a trace header's form, that its Root's time is within [fromMs, toMs] and its Parent non-zero. */
export function checkTraceHeader(
  header: string | null | undefined,
  sampled: "0" | "1",
  fromMs: number,
  toMs: number,
): { root: string; parent: string } {
  const m = TRACE.exec(header ?? "");
  if (!m) throw new Error(`not a trace header of the documented form: ${header}`);
  const epoch = parseInt(m[1]!, 16);
  if (epoch < Math.floor(fromMs / 1000) || epoch > Math.floor(toMs / 1000))
    throw new Error(`Root time ${epoch} outside [${fromMs / 1000}, ${toMs / 1000}]`);
  if (/^0+$/.test(m[3]!)) throw new Error("Parent is all zeros");
  if (m[4] !== sampled) throw new Error(`Sampled=${m[4]}, expected ${sampled}`);
  return { root: `1-${m[1]}-${m[2]}`, parent: m[3]! };
}

/** Collects the emulator's log lines. */
export function collector(): { lines: string[]; log: (line: string) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, log: (line) => void lines.push(line), text: () => lines.join("\n") };
}

/** A temporary `bootstrap` (an executable shell script) that runs the fixture under node. */
export function fixtureBootstrap(): { dir: string; bootstrap: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "xray-edge-invoke-"));
  const bootstrap = path.join(dir, "bootstrap");
  writeFileSync(bootstrap, `#!/bin/sh\nexec "${process.execPath}" "${FIXTURE}"\n`);
  chmodSync(bootstrap, 0o755);
  return { dir, bootstrap };
}

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `node --import ./scripts/register.mjs bin/xray-edge.ts <args>` to its end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 20_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
    delete childEnv.AWS_XRAY_DAEMON_ADDRESS;
    const child = spawn(process.execPath, ["--import", "./scripts/register.mjs", CLI, ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`xray-edge ${args.join(" ")} did not exit within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds; fails after `ms`. */
export async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** The daemon's stand-in for the invoke tests: every datagram on 127.0.0.1, parsed after its header line. */
export async function udpCollector(): Promise<{
  address: string;
  docs: Array<Record<string, any>>;
  ofTrace: (traceId: string) => Array<Record<string, any>>;
  close: () => void;
}> {
  const { createSocket } = await import("node:dgram");
  const socket = createSocket("udp4");
  const docs: Array<Record<string, any>> = [];
  socket.on("message", (m) => {
    const text = m.toString("utf8");
    const nl = text.indexOf("\n");
    // A datagram that is not header + JSON is recorded as such, to fail the test that looks at it.
    try {
      docs.push(JSON.parse(text.slice(nl + 1)) as Record<string, any>);
    } catch {
      docs.push({ unparsable: text });
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    docs,
    ofTrace: (traceId) => docs.filter((d) => d.trace_id === traceId),
    close: () => socket.close(),
  };
}
