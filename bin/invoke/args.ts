/**
 * Command-line parsing for `xray-edge invoke`. Kept apart from the emulator so that the emulator is
 * driven from code (tests, the demo, benchmarks) with the same options as plain values. Everything
 * checkable before starting is checked here (files exist, JSON parses, numbers are in range), so
 * that a mistake is a usage error naming the option, not a failed invocation.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseDaemonAddress } from "../../adapters/udp/address.ts";
import type { Sampling } from "./ids.ts";
import { TRACING_MODES, parseUpstreamHeader, type TracingMode } from "./tracing.ts";
import { MAX_CLIENT_CONTEXT_BASE64, MAX_PAYLOAD_BYTES, base64Length, jsonHeaderValue } from "./protocol.ts";
import { RUNTIMES, type RuntimeName } from "./runtime-command.ts";
import { MAX_CONCURRENCY } from "./slots.ts";
import { UsageError, scanOptions } from "../options.ts";

export const INVOKE_USAGE = `Usage: xray-edge invoke --bootstrap PATH [options]
       xray-edge invoke --handler FILE.EXPORT [--runtime node|bun|deno] [options]

A local Lambda execution environment: serves the Lambda Runtime API on 127.0.0.1, starts the
runtime, hands it each event in turn (same process, as Lambda reuses a warm one; N at once with
--concurrency N) and prints each result as it ends.

The runtime (one of):
  --bootstrap PATH         an executable file to run as the runtime (a custom runtime's
                           bootstrap); with it, --handler only sets _HANDLER
  --handler FILE.EXPORT    run xray-edge's own runtime (dist/bootstrap.js) on this handler,
                           from --task-root
  --runtime NAME           node (default), bun or deno, for --handler

Events:
  --event JSON|@FILE       an event, as JSON text or @ a JSON file; repeatable, one invocation
                           each, in order (default: one {})
  --tracing MODE           the function's tracing mode, as Lambda's TracingConfig:
                           passthrough (default): Sampled=0 unless an upstream header
                           says Sampled=1; active: Lambda's rule, the first request of
                           each second then 5%
  --trace-header H         an upstream service's X-Amzn-Trace-Id for every event
                           (Root=1-...;Parent=...;Sampled=...): its Root is kept, its
                           Sampled decides in both modes
  --sampled 1|0|none       override the decision (for tests): a fresh Root and Parent with
                           Sampled=1 or Sampled=0, or no Lambda-Runtime-Trace-Id at all
  --client-context JSON    Lambda-Runtime-Client-Context for every event (sent as ASCII
                           JSON; at most 3583 bytes once base64-encoded, as on Lambda)
  --cognito-identity JSON  Lambda-Runtime-Cognito-Identity for every event (the same)

The function:
  --timeout SECONDS        per invocation, 0.1 to 900 (default 3); past it the runtime is
                           killed and the next event gets a fresh one
  --concurrency N          run up to N invocations at once in one runtime, 1 to 256, as a
                           Managed Instance does (AWS_LAMBDA_MAX_CONCURRENCY=N for the
                           runtime; it may hold N next requests open); default: one at a time
  --memory MB              AWS_LAMBDA_FUNCTION_MEMORY_SIZE, 128 to 10240 (default 128); on
                           Linux the runtime is killed past it (Runtime.OutOfMemory) and each
                           REPORT line gives its Max Memory Used
  --function-name NAME     AWS_LAMBDA_FUNCTION_NAME and the ARN's name (default local-function)
  --region REGION          AWS_REGION and the ARN's region (default us-east-1)
  --task-root DIR          LAMBDA_TASK_ROOT and the runtime's working directory (default .)
  --daemon-address A       AWS_XRAY_DAEMON_ADDRESS for the runtime (default: this shell's);
                           Lambda's own segments of each sampled invocation go there too
  --env KEY=VALUE          another variable for the runtime; repeatable

Output:
  --json                   one JSON line per invocation instead of the text:
                           {"requestId","traceId","traceHeader","status","durationMs",
                           "response"|"error"} (traceId: the Root; traceHeader: all of it)
  --quiet                  no runtime output, no START/END/REPORT lines
  -h, --help               show this help

Results go to stdout; a streamed response's body is printed there as its chunks arrive (not with
--json, whose line has it whole). The runtime's output (each line prefixed "[runtime] ") and Lambda's
START/END/REPORT lines go to stderr. Exit code: 0 when every invocation succeeded, 1 when one did
not (error, timeout, init error), 2 for a usage mistake.
`;

export interface InvokeArgs {
  help: boolean;
  /** Absolute path of --bootstrap. */
  bootstrap?: string;
  handler?: string;
  /** Only with --handler (default node). */
  runtime?: RuntimeName;
  /** Each event's JSON text, as bytes (kept exactly as written). */
  events: Buffer[];
  tracing: TracingMode;
  /** --trace-header, checked. */
  traceHeader?: string;
  /** Only when given: the mode decides otherwise. */
  sampled?: Sampling;
  /** As sent in Lambda-Runtime-Client-Context: the JSON given, line breaks as spaces, non-ASCII \u-escaped. */
  clientContext?: string;
  cognitoIdentity?: string;
  timeoutMs: number;
  /** --concurrency, when given. */
  concurrency?: number;
  memoryMb: number;
  functionName: string;
  region: string;
  /** Absolute. */
  taskRoot: string;
  daemonAddress?: string;
  env: Record<string, string>;
  json: boolean;
  quiet: boolean;
}

export { UsageError };

const VALUE_OPTIONS = new Set([
  "--bootstrap",
  "--handler",
  "--runtime",
  "--event",
  "--sampled",
  "--tracing",
  "--trace-header",
  "--client-context",
  "--cognito-identity",
  "--timeout",
  "--concurrency",
  "--memory",
  "--function-name",
  "--region",
  "--task-root",
  "--daemon-address",
  "--env",
]);
const REPEATABLE = new Set(["--event", "--env"]);
const FLAG_OPTIONS = new Set(["--json", "--quiet", "--help", "-h"]);

/** A value as a message shows it: quoted, control characters escaped, cut at 60 characters. */
function shown(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
}

function parseJsonOption(name: string, text: string, source = text): void {
  try {
    JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${name}: not valid JSON (${(e as Error).message}): ${shown(source)}; give JSON text or @FILE`);
  }
}

/** JSON for a header: ASCII only (jsonHeaderValue), within Lambda's ClientContext budget. */
function headerJsonOption(name: string, text: string): string {
  parseJsonOption(name, text);
  const size = base64Length(text);
  if (size > MAX_CLIENT_CONTEXT_BASE64)
    throw new UsageError(`${name}: ${size} bytes once base64-encoded, over Lambda's ${MAX_CLIENT_CONTEXT_BASE64}`);
  return jsonHeaderValue(text);
}

function readEvent(value: string, cwd: string): Buffer {
  if (!value.startsWith("@")) {
    parseJsonOption("--event", value);
    return Buffer.from(value);
  }
  const file = path.resolve(cwd, value.slice(1));
  let bytes: Buffer;
  try {
    // Not a device or a pipe (/dev/zero would be read forever), nor a file Lambda would refuse.
    const stat = statSync(file);
    if (!stat.isFile()) throw new UsageError(`--event ${value}: ${file} is not a regular file`);
    if (stat.size > MAX_PAYLOAD_BYTES)
      throw new UsageError(`--event ${value}: ${stat.size} bytes, over Lambda's ${MAX_PAYLOAD_BYTES}-byte limit for an event`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--event ${value}: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  parseJsonOption(`--event ${value}`, bytes.toString("utf8"), file);
  return bytes;
}

function numberOption(name: string, text: string, min: number, max: number, integer: boolean, unit: string): number {
  const pattern = integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const n = Number(text);
  if (!pattern.test(text.trim()) || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(
      `${name} must be ${integer ? "a whole number of" : "a number of"} ${unit} from ${min} to ${max}, not ${shown(text)}`,
    );
  }
  return n;
}

/** Parses the arguments after `invoke`. Throws UsageError on anything it does not accept. */
export function parseInvokeArgs(argv: readonly string[], cwd: string = process.cwd()): InvokeArgs {
  const { values, flags } = scanOptions(argv, { command: "invoke", values: VALUE_OPTIONS, flags: FLAG_OPTIONS, repeatable: REPEATABLE });
  const one = (name: string): string | undefined => values.get(name)?.[0];
  // What reaches an argument, a path, a variable or a header cannot carry NUL (spawn throws on it).
  for (const [name, list] of values) {
    if (list.some((v) => v.includes("\0"))) throw new UsageError(`${name}: the value contains a NUL character (\\0)`);
  }

  const args: InvokeArgs = {
    help: flags.has("--help"),
    events: [],
    tracing: "passthrough",
    timeoutMs: 3000,
    memoryMb: 128,
    functionName: "local-function",
    region: "us-east-1",
    taskRoot: cwd,
    env: {},
    json: flags.has("--json"),
    quiet: flags.has("--quiet"),
  };
  if (args.help) return args;

  const bootstrap = one("--bootstrap");
  const handler = one("--handler");
  const runtime = one("--runtime");
  if (bootstrap === undefined && handler === undefined) {
    throw new UsageError("invoke needs a runtime: --bootstrap PATH (an executable) or --handler FILE.EXPORT [--runtime node|bun|deno]");
  }
  if (handler !== undefined) {
    const dot = handler.lastIndexOf(".");
    if (dot <= 0 || dot === handler.length - 1 || handler.slice(dot + 1).includes("/") || /\s/.test(handler)) {
      throw new UsageError(`--handler must be FILE.EXPORT (e.g. index.handler or src/app.main), not ${shown(handler)}`);
    }
    args.handler = handler;
  }
  if (runtime !== undefined) {
    if (bootstrap !== undefined) throw new UsageError("--runtime applies to --handler only; --bootstrap runs its PATH itself");
    if (!(RUNTIMES as readonly string[]).includes(runtime))
      throw new UsageError(`--runtime must be one of ${RUNTIMES.join(", ")}, not ${shown(runtime)}`);
    args.runtime = runtime as RuntimeName;
  } else if (bootstrap === undefined) {
    args.runtime = "node";
  }
  if (bootstrap !== undefined) {
    const file = path.resolve(cwd, bootstrap);
    let isFile = false;
    try {
      isFile = statSync(file).isFile();
    } catch {
      throw new UsageError(`--bootstrap: no such file: ${file}`);
    }
    if (!isFile) throw new UsageError(`--bootstrap must be an executable file, and ${file} is not a file`);
    try {
      accessSync(file, constants.X_OK);
    } catch {
      throw new UsageError(`--bootstrap: ${file} is not executable (chmod +x it, as Lambda needs it to be)`);
    }
    args.bootstrap = file;
  }

  const taskRoot = one("--task-root");
  if (taskRoot !== undefined) {
    const dir = path.resolve(cwd, taskRoot);
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      // reported below
    }
    if (!isDir) throw new UsageError(`--task-root must be a directory, not ${shown(taskRoot)}`);
    args.taskRoot = dir;
  }

  args.events = (values.get("--event") ?? []).map((value) => readEvent(value, cwd));
  if (args.events.length === 0) args.events.push(Buffer.from("{}"));

  const sampled = one("--sampled");
  if (sampled !== undefined) {
    if (sampled !== "1" && sampled !== "0" && sampled !== "none")
      throw new UsageError(`--sampled must be 1, 0 or none, not ${shown(sampled)}`);
    args.sampled = sampled;
  }
  const tracing = one("--tracing");
  if (tracing !== undefined) {
    if (!(TRACING_MODES as readonly string[]).includes(tracing))
      throw new UsageError(`--tracing must be one of ${TRACING_MODES.join(", ")}, not ${shown(tracing)}`);
    args.tracing = tracing as TracingMode;
  }
  const traceHeader = one("--trace-header");
  if (traceHeader !== undefined) {
    if (sampled !== undefined)
      throw new UsageError("--trace-header and --sampled cannot be combined: the upstream header decides, or --sampled does");
    try {
      parseUpstreamHeader(traceHeader, "--trace-header");
    } catch (e) {
      throw new UsageError(`${(e as Error).message}; give it as Root=1-<8 hex>-<24 hex>[;Parent=<16 hex>][;Sampled=0|1]`);
    }
    args.traceHeader = traceHeader;
  }
  const clientContext = one("--client-context");
  if (clientContext !== undefined) args.clientContext = headerJsonOption("--client-context", clientContext);
  const identity = one("--cognito-identity");
  if (identity !== undefined) args.cognitoIdentity = headerJsonOption("--cognito-identity", identity);

  const timeout = one("--timeout");
  if (timeout !== undefined) args.timeoutMs = Math.round(numberOption("--timeout", timeout, 0.1, 900, false, "seconds") * 1000);
  const concurrency = one("--concurrency");
  if (concurrency !== undefined) args.concurrency = numberOption("--concurrency", concurrency, 1, MAX_CONCURRENCY, true, "invocations");
  const memory = one("--memory");
  if (memory !== undefined) args.memoryMb = numberOption("--memory", memory, 128, 10240, true, "MB");

  const functionName = one("--function-name");
  if (functionName !== undefined) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(functionName)) {
      throw new UsageError(`--function-name must be 1 to 64 letters, digits, - or _, not ${shown(functionName)}`);
    }
    args.functionName = functionName;
  }
  const region = one("--region");
  if (region !== undefined) {
    if (!/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region))
      throw new UsageError(`--region must be a region name like us-east-1, not ${shown(region)}`);
    args.region = region;
  }

  const daemon = one("--daemon-address");
  if (daemon !== undefined) {
    try {
      parseDaemonAddress(daemon);
    } catch (e) {
      throw new UsageError(`--daemon-address: ${(e as Error).message.replace(/^xray-edge: /, "")}`);
    }
    args.daemonAddress = daemon;
  }

  for (const pair of values.get("--env") ?? []) {
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--env must be KEY=VALUE with KEY a variable name, not ${shown(pair)}`);
    args.env[key] = pair.slice(eq + 1);
  }
  return args;
}
