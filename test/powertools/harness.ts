/**
 * Runs the fixtures of fixtures/ as Lambda's Node runtime would (fixtures/driver.mjs), each in its
 * own Node process with the variables Lambda sets, their datagrams caught by a UDP listener here
 * and their DynamoDB calls answered by a stand-in on 127.0.0.1. A fixture is compiled by esbuild
 * as written (against @aws-lambda-powertools/tracer) or with only its imports changed to
 * xray-edge/powertools, which then resolves to the built package (dist/), ESM or CommonJS.
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { createServer, type Server } from "node:http";
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const OUT = `${ROOT}build/powertools-fixtures/`;

export const DAEMON_HEADER_LINE = /^\{"format": ?"json", ?"version": ?1\}\n/;

/** Who traces: Powertools itself, or xray-edge/powertools in place of it. */
export type Side = "peer" | "ours";
export type Decorators = "legacy" | "standard";
export type Format = "esm" | "cjs";

export interface Variant {
  side: Side;
  decorators: Decorators;
  format: Format;
}

export const label = (v: Variant) => `${v.side}-${v.decorators}-${v.format}`;

/** The only change a migration makes: the import specifiers. */
const swapImports: Plugin = {
  name: "swap-powertools",
  setup(b) {
    b.onResolve({ filter: /^@aws-lambda-powertools\/tracer(\/middleware)?$/ }, (args) => ({
      path: args.path.replace("@aws-lambda-powertools/tracer", "xray-edge/powertools"),
      external: true,
    }));
  },
};

/** Compiles `fixture` (a file of fixtures/) for `variant`; returns the output's path. */
export async function compile(fixture: string, variant: Variant): Promise<string> {
  const dir = `${OUT}${label(variant)}/`;
  mkdirSync(dir, { recursive: true });
  const outfile = `${dir}${fixture}.${variant.format === "esm" ? "mjs" : "cjs"}`;
  await build({
    entryPoints: [`${FIXTURES}${fixture}.ts`],
    bundle: true,
    packages: "external",
    platform: "node",
    target: "node20",
    format: variant.format,
    outfile,
    logLevel: "error",
    plugins: variant.side === "ours" ? [swapImports] : [],
    tsconfigRaw: { compilerOptions: { experimentalDecorators: variant.decorators === "legacy" } },
  });
  return outfile;
}

export interface Invocation {
  header: string;
  event: Record<string, unknown>;
}

export interface Run {
  outcomes: { i: number; result?: any; error?: { name: string; message: string } }[];
  documents: Record<string, any>[];
  stderr: string;
}

/**
 * The DynamoDB stand-in: GetItem on "items" finds the item; on any other table, ResourceNotFound.
 * It also answers plain GETs of /http/<id> for fetch (404, 429 or 503 for "missing", "throttled", "broken").
 */
export async function startDynamoDb(): Promise<{ endpoint: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      state.requests++;
      // plain HTTP for fetch: /http/<id>, 404 for "missing", 429 for "throttled", 503 for "broken"
      if (req.url?.startsWith("/http/")) {
        const id = req.url.slice("/http/".length).split("?")[0];
        const status = ({ missing: 404, throttled: 429, broken: 503 } as Record<string, number>)[id!] ?? 200;
        res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "fetched" : "no");
        return;
      }
      const input = JSON.parse(body || "{}");
      // the same request gets the same ID on either side's run
      const requestId = `REQ-${input.TableName}-${input.Key?.id?.S}`;
      const headers = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId };
      if (input.TableName === "items") {
        res.writeHead(200, headers).end(JSON.stringify({ Item: { id: input.Key?.id ?? { S: "?" } } }));
      } else {
        res.writeHead(400, headers).end(
          JSON.stringify({
            __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
            message: "Requested resource not found",
          }),
        );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The variables Lambda's managed Node runtime sets (those the tracers read), for handler `index.handler`. */
export function lambdaEnv(daemonPort: number, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(AWS_|POWERTOOLS_|LAMBDA_|_X_AMZN|_HANDLER)/.test(k)) env[k] = v;
  }
  return {
    ...env,
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
    AWS_LAMBDA_FUNCTION_NAME: "powertools-fixture",
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: "128",
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: "/aws/lambda/powertools-fixture",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    AWS_SESSION_TOKEN: "session-token",
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemonPort}`,
    LAMBDA_TASK_ROOT: OUT,
    _HANDLER: "index.handler",
    ...extra,
  };
}

/** The entities of `documents`, by ID (a complete one over an in-progress one). */
export function entities(documents: Record<string, any>[]): Map<string, Record<string, any>> {
  const byId = new Map<string, Record<string, any>>();
  const walk = (e: Record<string, any>) => {
    const known = byId.get(e.id);
    if (!known || (known.in_progress && !e.in_progress)) byId.set(e.id, e);
    for (const s of e.subsegments ?? []) walk(s);
  };
  for (const d of documents) walk(d);
  return byId;
}

/**
 * Runs `file`'s `exportName` through the driver with `node` for each invocation; resolves once the
 * driver has finished and the listener holds `expectedEntities` complete entities (or rejects
 * after `timeoutMs`, with what came).
 */
export async function runFixture(options: {
  file: string;
  exportName?: string;
  invocations: Invocation[];
  expectedEntities: number;
  env?: Record<string, string>;
  node?: string;
  timeoutMs?: number;
  /** Also wait for the driver's sentinel datagram, sent after the last invocation returned. */
  sentinel?: boolean;
  /** The driver is killed at a deadline (DRIVER_DEADLINE_MS): its exit, not its end, is awaited. */
  killed?: boolean;
}): Promise<Run> {
  const socket = dgram.createSocket("udp4");
  const datagrams: string[] = [];
  socket.on("message", (m) => datagrams.push(m.toString("utf8")));
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  const SENTINEL = "xray-edge-test-sentinel";
  const env = lambdaEnv(socket.address().port, {
    ...options.env,
    INVOCATIONS: JSON.stringify(options.invocations),
    ...(options.sentinel ? { SENTINEL } : {}),
  });
  const child = spawn(options.node ?? process.execPath, [`${FIXTURES}driver.mjs`, options.file, options.exportName ?? "handler"], {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "",
    stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  const documents = () =>
    datagrams
      .filter((d) => d !== SENTINEL)
      .map((d) => {
        if (!DAEMON_HEADER_LINE.test(d)) throw new Error(`a datagram without the daemon header: ${d.slice(0, 80)}`);
        return JSON.parse(d.slice(d.indexOf("\n") + 1)) as Record<string, any>;
      });
  const complete = () => [...entities(documents()).values()].filter((e) => !e.in_progress).length;
  try {
    const end = Date.now() + (options.timeoutMs ?? 30_000);
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    const arrived = () => !options.sentinel || datagrams.includes(SENTINEL);
    const ended = () => (options.killed ? code !== undefined : stdout.includes('{"done":true}'));
    while (!(ended() && complete() >= options.expectedEntities && arrived())) {
      if (code !== undefined && !options.killed) throw new Error(`the driver exited (${code}) before the end\n${stdout}\n${stderr}`);
      if (Date.now() > end)
        throw new Error(`timed out: ${complete()} of ${options.expectedEntities} entities\n${stdout}\n${stderr}\n${datagrams.join("\n")}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    child.stdin.end();
    await exited;
    const outcomes = stdout
      .trim()
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l))
      .filter((o) => !o.done);
    return { outcomes, documents: documents(), stderr };
  } finally {
    child.kill("SIGKILL");
    socket.close();
  }
}
