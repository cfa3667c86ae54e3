/**
 * Runs the Lambda fixtures as real Node processes (fixtures/harness.mjs plays the managed
 * runtime) with their datagrams caught by a UDP listener here.
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { randomBytes } from "node:crypto";

export const DAEMON_HEADER = '{"format": "json", "version": 1}\n';

export interface Invocation {
  header: string | null;
  event: Record<string, unknown>;
  /** A deadline this far ahead, at which the harness kills itself (as Lambda ends a timed-out sandbox). */
  timeoutMs?: number;
}

export interface Run {
  code: number | null;
  outcomes: { result?: any; error?: { name: string; message: string; same: boolean } }[];
  datagrams: string[];
  documents: Record<string, any>[];
  stderr: string;
}

/** A fresh header with a random Root and Parent, as Lambda gives one per invocation. */
export function newHeader(sampled: "1" | "0" | null = "1"): { header: string; root: string; parent: string } {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const parent = randomBytes(8).toString("hex");
  return { header: `Root=${root};Parent=${parent}${sampled === null ? "" : `;Sampled=${sampled}`}`, root, parent };
}

export async function runHandler(
  exportName: string,
  invocations: Invocation[],
  env: Record<string, string> = {},
  module = "handlers",
  /** The runtime that runs the harness: this Node by default. */
  command: string[] = [process.execPath],
): Promise<Run> {
  const socket = dgram.createSocket("udp4");
  const datagrams: string[] = [];
  // The last datagram is a sentinel the test sends itself once the child has exited (below).
  const SENTINEL = `sentinel ${randomBytes(8).toString("hex")}`;
  let sawSentinel: () => void = () => {};
  const sentinel = new Promise<void>((r) => (sawSentinel = r));
  socket.on("message", (m) => {
    const text = m.toString("utf8");
    if (text === SENTINEL) sawSentinel();
    else datagrams.push(text);
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const childEnv: Record<string, string | undefined> = {
    ...process.env,
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${socket.address().port}`,
    AWS_LAMBDA_FUNCTION_NAME: "fixture-function",
    _HANDLER: `${module}.${exportName}`,
    INVOCATIONS: JSON.stringify(invocations),
    ...env,
  };
  for (const key of [
    "_X_AMZN_TRACE_ID",
    "AWS_XRAY_CONTEXT_MISSING",
    "AWS_XRAY_SDK_ENABLED",
    "AWS_XRAY_LOG_LEVEL",
    "POWERTOOLS_SERVICE_NAME",
    "AWS_LAMBDA_MAX_CONCURRENCY",
  ]) {
    if (!(key in env)) delete childEnv[key];
  }
  try {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const [bin, ...args] = command;
      const child = spawn(bin!, [...args, "test/lambda/fixtures/harness.mjs", `test/lambda/fixtures/${module}.mjs`, exportName], {
        env: childEnv,
      });
      let stdout = "",
        stderr = "";
      child.stdout.on("data", (c) => (stdout += c));
      child.stderr.on("data", (c) => (stderr += c));
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`harness did not exit in 30 s\n${stderr}`));
      }, 30_000);
      child.on("close", (c) => {
        clearTimeout(timer);
        resolve({ code: c, stdout, stderr });
      });
    });
    // Everything the child sent was in the socket's queue before it exited: a datagram sent now
    // arrives behind it, so once it is read, so is everything before it.
    const client = dgram.createSocket("udp4");
    client.send(SENTINEL, socket.address().port, "127.0.0.1", () => client.close());
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      sentinel,
      new Promise((_, reject) => (giveUp = setTimeout(() => reject(new Error("the sentinel datagram did not arrive in 10 s")), 10_000))),
    ]);
    clearTimeout(giveUp);
    const outcomes = stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const documents = datagrams.map((d) => {
      if (!d.startsWith(DAEMON_HEADER)) throw new Error(`datagram without the daemon header: ${d.slice(0, 80)}`);
      return JSON.parse(d.slice(DAEMON_HEADER.length));
    });
    return { code, outcomes, datagrams, documents, stderr };
  } finally {
    socket.close();
  }
}
