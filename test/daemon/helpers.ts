/**
 * Shared by the daemon tests: spawning `xray-edge daemon` as a real process, waiting on its output
 * with timeouts, sending datagrams, making segment documents.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLI = path.join(ROOT, "bin/xray-edge.ts");
export const HEADER = '{"format": "json", "version": 1}\n';

/** The environment for child processes: no colour forcing, no daemon address, dummy credentials. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "test-secret" };
  for (const key of ["FORCE_COLOR", "NO_COLOR", "COLUMNS", "AWS_XRAY_DAEMON_ADDRESS", "AWS_PROFILE", "AWS_SESSION_TOKEN"]) delete env[key];
  return { ...env, ...extra };
}

export async function freeUdpPort(): Promise<number> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve());
  });
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Proc {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when `test` holds for the output so far (checked on every chunk). */
  waitFor(test: () => boolean, ms: number, what: string): Promise<void>;
  exited: Promise<number | null>;
  kill(): void;
}

/** Runs `node --import tsx bin/xray-edge.ts <args>`. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = childEnv()): Proc {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
    wake();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    err += chunk;
    wake();
  });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const waitFor = (test: () => boolean, ms: number, what: string): Promise<void> => {
    let check: () => void = () => {};
    let poll: ReturnType<typeof setInterval> | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = new Promise<void>((resolve, reject) => {
      check = () => {
        let ok = false;
        try {
          ok = test();
        } catch {
          // e.g. a JSON line cut in the middle: wait for more output
        }
        if (ok) resolve();
        else if (child.exitCode !== null || child.signalCode !== null) {
          reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before ${what}\nstderr: ${err.slice(-2000)}`));
        }
      };
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms waiting for ${what}\nstdout: ${out.slice(-1500)}\nstderr: ${err.slice(-1500)}`)),
        ms,
      );
      // Output wakes the check at once; the poll covers conditions on other things (a server's requests).
      poll = setInterval(check, 25);
      waiters.add(check);
      void exited.then(() => setImmediate(check));
      check();
    });
    return done.finally(() => {
      waiters.delete(check);
      clearInterval(poll);
      clearTimeout(timer);
    });
  };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}

/** Starts the daemon on a free port and waits for its listening line. */
export async function startDaemonProcess(extraArgs: string[] = [], env?: NodeJS.ProcessEnv): Promise<Proc & { port: number }> {
  const port = await freeUdpPort();
  const proc = runCli(["daemon", "--address", `127.0.0.1:${port}`, ...extraArgs], env);
  try {
    await proc.waitFor(() => proc.stderr().includes("listening on udp 127.0.0.1:"), 20_000, "the listening line");
  } catch (e) {
    proc.kill();
    throw e;
  }
  return Object.assign(proc, { port });
}

/** The complete JSON lines the daemon printed so far. */
export function jsonLines(proc: Proc): Array<Record<string, any>> {
  const out = proc.stdout();
  return out
    .slice(0, out.lastIndexOf("\n") + 1)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** Sends datagrams to 127.0.0.1:port, one after the other. */
export async function sendDatagrams(port: number, datagrams: Array<Uint8Array | string>): Promise<void> {
  const socket = dgram.createSocket("udp4");
  try {
    for (const d of datagrams) {
      const bytes = typeof d === "string" ? Buffer.from(d) : d;
      await new Promise<void>((resolve, reject) => socket.send(bytes, port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
    }
  } finally {
    socket.close();
  }
}

export const hex = (bytes: number): string => randomBytes(bytes).toString("hex");
export const newTraceId = (): string => `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)}`;
export const newId = (): string => hex(8);

export function segmentDoc(fields: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Date.now() / 1000;
  return { name: "svc", id: newId(), trace_id: newTraceId(), start_time: now - 0.05, end_time: now, ...fields };
}

export const datagram = (doc: unknown): string => HEADER + JSON.stringify(doc);

/** Sends SIGTERM and waits for the exit code. */
export async function stopProcess(proc: Proc, ms = 10_000): Promise<number | null> {
  proc.child.kill("SIGTERM");
  return withTimeout(proc.exited, ms, "the daemon to exit");
}

/** Resolves when `test()` holds, checking every 10 ms; rejects after `ms` naming `what`. */
export async function waitUntil(test: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The summary line the daemon printed on stderr when it stopped. */
export function summaryOf(proc: Proc): string {
  return /xray-edge daemon: received .*/.exec(proc.stderr())?.[0] ?? "";
}
