/**
 * What `startEmulator` takes and gives: its options, one invocation's options and result, and the
 * emulator handle. Apart from emulator.ts so that the CLI, tests and benchmarks can name them.
 */
import type { Sampling } from "./ids.ts";
import type { RuntimeError } from "./protocol.ts";
import type { StreamInfo } from "./streamed.ts";
import type { LambdaSampler, TracingMode } from "./tracing.ts";

export interface EmulatorOptions {
  /** The runtime process: executable and arguments (e.g. `[bootstrap]` or `[node, bootstrap.js]`). */
  command: readonly string[];
  /** Extra variables for the runtime, applied last (they can override Lambda's). */
  env?: Record<string, string>;
  /** LAMBDA_TASK_ROOT and the runtime's working directory; default process.cwd(). */
  taskRoot?: string;
  /** _HANDLER (`file.export`); left unset when not given. */
  handler?: string;
  functionName?: string;
  /** AWS_LAMBDA_FUNCTION_MEMORY_SIZE and the runtime's memory limit (memory.ts), 128 to 10240; default 128. */
  memoryMb?: number;
  region?: string;
  /** AWS_XRAY_DAEMON_ADDRESS for the runtime; default: this process's own, if set. */
  daemonAddress?: string;
  /**
   * The function's tracing mode (tracing.ts): `active` samples requests without a decision with
   * Lambda's rule, `passthrough` gives them Sampled=0; an upstream header's decision stands in both.
   */
  tracing?: TracingMode;
  /**
   * The decision for every invocation, over the mode (for tests). Without `tracing` nor `sampled`,
   * '1': the emulator's callers (tests, benchmarks) want traces; the CLI defaults to passthrough.
   */
  sampled?: Sampling;
  /** Active mode's sampler; tests give one with a fixed clock and random. */
  sampler?: LambdaSampler;
  /** The function timeout; default 3000. */
  timeoutMs?: number;
  /** How long the runtime may take to ask for its first event; default 10000 (Lambda's init limit). */
  initTimeoutMs?: number;
  /** No runtime output, no START/END/REPORT lines. */
  quiet?: boolean;
  /** Where those lines go, one call per line; default process.stderr. */
  log?: (line: string) => void;
  /** Send Lambda's own segments (lambda-segments.ts) to the daemon, as Lambda does (default true when there is a daemon address). */
  functionSegment?: boolean;
  /**
   * How many invocations the runtime may run at once, 1 to 256 (a Managed Instance's
   * AWS_LAMBDA_MAX_CONCURRENCY, which the runtime is given when this is set); default 1.
   */
  concurrency?: number;
  /** Called with each chunk of a streamed response's body as it arrives. */
  onChunk?: (requestId: string, chunk: Buffer) => void;
  /** Where the Runtime API listens; default 127.0.0.1 on a free port. */
  host?: string;
  port?: number;
}

export interface InvokeOptions {
  /** This invocation's decision (default: the emulator's). */
  sampled?: Sampling;
  /**
   * The caller's X-Amzn-Trace-Id, as an upstream service sends it to Lambda: its Root is kept, its
   * Parent becomes the service segment's parent, its Sampled (0 or 1) decides in either mode.
   */
  upstreamHeader?: string;
  /**
   * An exact Lambda-Runtime-Trace-Id to send instead of a generated one; null sends none. With
   * Sampled=1, Lambda's segments take its Root, and its Parent as the Invocation subsegment's ID.
   */
  traceHeader?: string | null;
  clientContext?: string;
  cognitoIdentity?: string;
}

export type InvocationStatus = "success" | "error" | "timeout" | "init error";

export interface InvocationResult {
  requestId: string;
  /** The Lambda-Runtime-Trace-Id sent, or null when none was. */
  traceHeader: string | null;
  status: InvocationStatus;
  /** From the runtime receiving the event to its outcome (from invoke() when it never got it). */
  durationMs: number;
  /** Set on the first invocation of each runtime process: spawn to its first `next`. */
  initDurationMs?: number;
  /** The Lambda-Runtime-Deadline-Ms sent (epoch ms), when the runtime received the event. */
  deadlineMs?: number;
  /** The runtime process the event went to. */
  pid?: number;
  /** The runtime's peak memory so far, in MB, as the REPORT line gives it (not where memory cannot be measured). */
  maxMemoryUsedMb?: number;
  /** The response payload, parsed when it is JSON, else its text. */
  response?: unknown;
  responseText?: string;
  error?: RuntimeError;
  /** For a streamed response: its chunks, bytes, content type and Function URL prelude. */
  streamed?: StreamInfo;
  /** The runtime's init error, when the invocation ended because init failed. */
  initError?: RuntimeError;
}

export interface Emulator {
  /** `127.0.0.1:<port>`: AWS_LAMBDA_RUNTIME_API. */
  address: string;
  /** Queues one event (a JSON value, or the bytes of one) and resolves with its outcome. */
  invoke(event?: unknown, options?: InvokeOptions): Promise<InvocationResult>;
  /**
   * Resolves once the runtime is waiting for its next event with none queued, so whatever it did
   * after posting its last result (xray-edge's runtime sends the trace then) is done; also when no
   * runtime is running, or the emulator is closed.
   */
  idle(): Promise<void>;
  /** Kills the runtime, stops the server; invocations not ended yet reject. */
  close(): Promise<void>;
}

export const DEFAULT_TIMEOUT_MS = 3000;
export const DEFAULT_INIT_TIMEOUT_MS = 10_000;
