/**
 * The Runtime API as Lambda serves it, small and in-process (node:http on port 0): events are
 * queued and handed to GET /next (held open until there is one), and each response, invocation
 * error and init error is recorded with its headers. A UDP listener stands in for the X-Ray
 * daemon. `startRuntime` runs dist/bootstrap.js as a real process under node, bun or deno.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { spawn, type ChildProcess } from "node:child_process";
import dgram from "node:dgram";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
export const FIXTURES = `${ROOT}/test/runtime/fixtures`;
export const RUNTIMES = ["node", "bun", "deno"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
export const DAEMON_HEADER = '{"format": "json", "version": 1}\n';
export const ARN = "arn:aws:lambda:eu-west-1:123456789012:function:fixture-function:live";

export interface Recorded {
  kind: "response" | "error" | "init-error";
  requestId?: string;
  body: string;
  headers: IncomingHttpHeaders;
  /** A streamed response's trailers (empty otherwise). */
  trailers: NodeJS.Dict<string>;
}

export interface EventOptions {
  /** Sent as Lambda-Runtime-Trace-Id; null sends none. */
  trace?: string | null;
  /** Raw body (default: JSON of the event). */
  raw?: string;
  deadlineMs?: number;
  headers?: Record<string, string>;
}

interface Queued {
  requestId: string;
  body: string;
  headers: Record<string, string>;
}

/** A fresh trace header with a random Root and Parent, as Lambda gives one per invocation. */
export function newTrace(sampled: "1" | "0" | null = "1"): { header: string; root: string; parent: string } {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const parent = randomBytes(8).toString("hex");
  return { header: `Root=${root};Parent=${parent}${sampled === null ? "" : `;Sampled=${sampled}`}`, root, parent };
}

export class FakeRuntimeApi {
  readonly recorded: Recorded[] = [];
  nextCalls = 0;
  /** `next` requests held open now, waiting for an event. */
  get waiting(): number {
    return this.polling.filter((res) => !res.destroyed).length;
  }
  private readonly queue: Queued[] = [];
  private readonly polling: ServerResponse[] = [];
  private readonly waiters = new Map<string, (r: Recorded) => void>();
  private initWaiters: ((r: Recorded) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  static async start(): Promise<FakeRuntimeApi> {
    let api: FakeRuntimeApi | undefined;
    const server = createServer((req, res) => api!.route(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    api = new FakeRuntimeApi(server, `127.0.0.1:${port}`);
    return api;
  }

  /** Queues an event; resolves with what the runtime posted for it. */
  invoke(event: unknown, options: EventOptions = {}): Promise<Recorded> {
    const requestId = randomUUID();
    const headers: Record<string, string> = {
      "Lambda-Runtime-Aws-Request-Id": requestId,
      "Lambda-Runtime-Deadline-Ms": String(options.deadlineMs ?? Date.now() + 30_000),
      "Lambda-Runtime-Invoked-Function-Arn": ARN,
      "Content-Type": "application/json",
      ...options.headers,
    };
    const trace = options.trace === undefined ? newTrace().header : options.trace;
    if (trace !== null) headers["Lambda-Runtime-Trace-Id"] = trace;
    const outcome = new Promise<Recorded>((resolve) => this.waiters.set(requestId, resolve));
    this.queue.push({ requestId, body: options.raw ?? JSON.stringify(event), headers });
    this.dispatch();
    return outcome;
  }

  initError(): Promise<Recorded> {
    const found = this.recorded.find((r) => r.kind === "init-error");
    return found ? Promise.resolve(found) : new Promise((resolve) => this.initWaiters.push(resolve));
  }

  async close(): Promise<void> {
    for (const res of this.polling.splice(0)) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private dispatch(): void {
    while (this.queue.length > 0 && this.polling.length > 0) {
      const res = this.polling.shift()!;
      if (res.destroyed) continue;
      const { body, headers } = this.queue.shift()!;
      res.writeHead(200, headers);
      res.end(body);
    }
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const url = req.url ?? "";
      if (req.method === "GET" && url === "/2018-06-01/runtime/invocation/next") {
        this.nextCalls++;
        this.polling.push(res);
        this.dispatch();
        return;
      }
      const m = /^\/2018-06-01\/runtime\/(?:invocation\/([^/]+)\/(response|error)|init\/error)$/.exec(url);
      if (req.method !== "POST" || !m) {
        res.writeHead(404).end();
        return;
      }
      const recorded: Recorded =
        m[1] === undefined
          ? { kind: "init-error", body, headers: req.headers, trailers: req.trailers }
          : { kind: m[2] as "response" | "error", requestId: decodeURIComponent(m[1]), body, headers: req.headers, trailers: req.trailers };
      this.recorded.push(recorded);
      res.writeHead(202, { "Content-Type": "application/json" }).end('{"status":"OK"}');
      if (recorded.requestId !== undefined) {
        this.waiters.get(recorded.requestId)?.(recorded);
        this.waiters.delete(recorded.requestId);
      } else {
        for (const w of this.initWaiters.splice(0)) w(recorded);
      }
    });
  }
}

/** The X-Ray daemon's stand-in: every datagram, parsed. */
export class UdpListener {
  readonly documents: Record<string, any>[] = [];
  private constructor(
    private readonly socket: dgram.Socket,
    readonly address: string,
  ) {
    socket.on("message", (m) => {
      const text = m.toString("utf8");
      if (!text.startsWith(DAEMON_HEADER)) throw new Error(`datagram without the daemon header: ${text.slice(0, 80)}`);
      this.documents.push(JSON.parse(text.slice(DAEMON_HEADER.length)));
    });
  }

  static async start(): Promise<UdpListener> {
    const socket = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
    return new UdpListener(socket, `127.0.0.1:${socket.address().port}`);
  }

  /** The documents of one trace, once `count` have come (or after `ms`, whatever has). */
  async forTrace(traceId: string, count = 1, ms = 3000): Promise<Record<string, any>[]> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.documents.filter((d) => d.trace_id === traceId);
      if (found.length >= count || Date.now() > end) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.close();
  }
}

export interface RuntimeProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** The command that runs dist/bootstrap.js under `runtime`. */
export function bootstrapCommand(runtime: RuntimeName): [string, string[]] {
  const bootstrap = `${ROOT}/dist/bootstrap.js`;
  if (runtime === "node") return [process.execPath, [bootstrap]];
  if (runtime === "bun") return [`${ROOT}/node_modules/.bin/bun`, [bootstrap]];
  return [`${ROOT}/node_modules/.bin/deno`, ["run", "-A", bootstrap]];
}

/**
 * Starts dist/bootstrap.js under `runtime`, in ROOT (the working directory the X-Ray cause names)
 * with LAMBDA_TASK_ROOT at the fixtures, a function's environment, and `env` over it.
 */
export function startRuntime(runtime: RuntimeName, env: Record<string, string | undefined>): RuntimeProcess {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const key of Object.keys(childEnv)) {
    if (/^(AWS_|_X_AMZN|_HANDLER$|LAMBDA_|POWERTOOLS_)/.test(key)) delete childEnv[key];
  }
  Object.assign(childEnv, {
    LAMBDA_TASK_ROOT: FIXTURES,
    AWS_LAMBDA_FUNCTION_NAME: "fixture-function",
    AWS_LAMBDA_FUNCTION_VERSION: "7",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "256",
    AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/fixture-function",
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/11/25/[7]0123456789abcdef",
    NO_COLOR: "1",
    ...env,
  });
  const [cmd, args] = bootstrapCommand(runtime);
  const child = spawn(cmd, args, { cwd: ROOT, env: childEnv as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "",
    stderr = "";
  child.stdout!.on("data", (c) => (stdout += c));
  child.stderr!.on("data", (c) => (stderr += c));
  const exited = new Promise<number | string>((resolve) => child.on("close", (code, signal) => resolve(code ?? signal ?? "unknown")));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Rejects after `ms` with `what` and the process's stderr, so a hang fails the test instead of the run. */
export function within<T>(ms: number, what: string, p: Promise<T>, proc?: RuntimeProcess): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms${proc ? `\nstderr: ${proc.stderr()}` : ""}`)), ms);
    }),
  ]);
}

/** The 1-based line of `marker` in a fixture (expected stack frames are computed, not typed in). */
export async function lineOf(file: string, marker: string): Promise<number> {
  const { readFile } = await import("node:fs/promises");
  const lines = (await readFile(`${FIXTURES}/${file}`, "utf8")).split("\n");
  const i = lines.findIndex((l) => l.includes(marker));
  if (i < 0) throw new Error(`${marker} not in ${file}`);
  return i + 1;
}
