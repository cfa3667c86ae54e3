/**
 * The environment a runtime process gets: what Lambda sets for a function (the Runtime API's
 * address, handler, task root, function name, version, memory, log group and stream, region,
 * X-Ray daemon), PATH and HOME from this process, then the caller's extra variables, which win.
 * Nothing else of this process's environment reaches the runtime, as on Lambda.
 */
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
  });
  if (f.handler !== undefined) env._HANDLER = f.handler;
  if (f.daemonAddress) env.AWS_XRAY_DAEMON_ADDRESS = f.daemonAddress;
  return { ...env, ...f.extra };
}
