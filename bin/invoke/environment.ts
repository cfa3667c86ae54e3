/**
 * The environment a runtime process gets: what Lambda sets for a function (the Runtime API's
 * address, handler, task root, function name, version, memory, log group and stream, region,
 * time zone and locale, the X-Ray daemon in its three forms and LOG_ERROR for a missing context),
 * PATH and HOME from this process, then the caller's extra variables, which win. Nothing else of
 * this process's environment reaches the runtime, as on Lambda.
 */
import { parseDaemonAddress } from "../../adapters/udp/address.ts";
import { logStreamName } from "./ids.ts";

export interface FunctionSettings {
  taskRoot: string;
  functionName: string;
  memoryMb: number;
  region: string;
  handler?: string;
  /** AWS_XRAY_DAEMON_ADDRESS, when there is one. */
  daemonAddress?: string;
  extra?: Record<string, string>;
}

export function lambdaEnvironment(runtimeApi: string, f: FunctionSettings): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of ["PATH", "HOME"]) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, {
    AWS_LAMBDA_RUNTIME_API: runtimeApi,
    LAMBDA_TASK_ROOT: f.taskRoot,
    AWS_LAMBDA_FUNCTION_NAME: f.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(f.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${f.functionName}`,
    // Each execution environment writes to a stream of its own.
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName(),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_REGION: f.region,
    AWS_DEFAULT_REGION: f.region,
    // Lambda's values: UTC (written ":UTC"), and the locale its runtimes run in.
    TZ: ":UTC",
    LANG: "en_US.UTF-8",
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
  });
  if (f.handler !== undefined) env._HANDLER = f.handler;
  if (f.daemonAddress) {
    env.AWS_XRAY_DAEMON_ADDRESS = f.daemonAddress;
    // The older forms AWS's SDKs still read: the UDP host and port apart.
    try {
      const { udp } = parseDaemonAddress(f.daemonAddress);
      env._AWS_XRAY_DAEMON_ADDRESS = udp.host;
      env._AWS_XRAY_DAEMON_PORT = String(udp.port);
    } catch {
      // Not an address the runtime's tracer takes either: it says so itself, naming the variable.
    }
  }
  return { ...env, ...f.extra };
}

/**
 * AWS_EXECUTION_ENV as Lambda sets it for a managed Node.js runtime (`AWS_Lambda_nodejs22.x`),
 * from the version of the Node that runs the function. Lambda sets none for OS-only runtimes
 * (`provided.al2023`, which the Bun and Deno layers use): undefined for those. Powertools Tracer
 * turns itself off when the variable is missing, so a Node function run locally needs it.
 */
export function executionEnvironment(
  runtime: "node" | "bun" | "deno" | "bootstrap",
  nodeVersion: string = process.version,
): string | undefined {
  if (runtime !== "node") return undefined;
  const major = /^v?(\d+)\./.exec(nodeVersion)?.[1];
  return major === undefined ? undefined : `AWS_Lambda_nodejs${major}.x`;
}
