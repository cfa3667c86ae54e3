/**
 * startEmulator's options checked and completed with Lambda's defaults: the function's settings
 * (its environment comes from them), the timeouts, the ARN. Apart from emulator.ts so that the
 * emulator holds only the lifecycle.
 */
import type { FunctionSettings } from "./environment.ts";
import { functionArn, type Sampling } from "./ids.ts";
import { TRACING_MODES, type TracingMode } from "./tracing.ts";
import { DEFAULT_INIT_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, type EmulatorOptions } from "./types.ts";

export interface ResolvedSettings extends FunctionSettings {
  timeoutMs: number;
  initTimeoutMs: number;
  arn: string;
  tracing: TracingMode;
  /** The override of every decision; undefined when the mode decides. */
  sampling?: Sampling;
}

/** Throws TypeError or RangeError, naming the option, for what the emulator cannot run with. */
export function resolveSettings(options: EmulatorOptions): ResolvedSettings {
  if (options.command.length === 0) throw new TypeError("startEmulator: command is empty");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const initTimeoutMs = options.initTimeoutMs ?? DEFAULT_INIT_TIMEOUT_MS;
  if (!(timeoutMs > 0) || !(initTimeoutMs > 0)) throw new RangeError("startEmulator: timeoutMs and initTimeoutMs must be positive");
  const memoryMb = options.memoryMb ?? 128;
  // Lambda's range, in 1-MB steps; the limit is enforced (memory.ts), so it must be one Lambda has.
  if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10240)
    throw new RangeError(`startEmulator: memoryMb must be a whole number from 128 to 10240, not ${memoryMb}`);
  if (options.tracing !== undefined && !TRACING_MODES.includes(options.tracing))
    throw new TypeError(`startEmulator: tracing must be one of ${TRACING_MODES.join(", ")}, not ${JSON.stringify(options.tracing)}`);
  if (options.sampled !== undefined && !["1", "0", "none"].includes(options.sampled))
    throw new TypeError(`startEmulator: sampled must be "1", "0" or "none", not ${JSON.stringify(options.sampled)}`);
  const functionName = options.functionName ?? "local-function";
  const region = options.region ?? "us-east-1";
  return {
    taskRoot: options.taskRoot ?? process.cwd(),
    functionName,
    memoryMb,
    region,
    handler: options.handler,
    daemonAddress: options.daemonAddress ?? process.env.AWS_XRAY_DAEMON_ADDRESS,
    extra: options.env,
    timeoutMs,
    initTimeoutMs,
    arn: functionArn(region, functionName),
    tracing: options.tracing ?? "passthrough",
    // Neither given: Sampled=1 for every invocation, what the emulator's callers in code expect.
    ...(options.sampled !== undefined || options.tracing === undefined ? { sampling: options.sampled ?? "1" } : {}),
  };
}
