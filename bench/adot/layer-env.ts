/**
 * The environment ADOT's Lambda layer gives a Node function in lite mode: what Lambda itself
 * sets, then what the layer's `otel-instrument` wrapper script (AWS_LAMBDA_EXEC_WRAPPER) exports
 * before it execs Node (lambda-layer/packages/layer/scripts/otel-instrument of
 * aws-observability/aws-otel-js-instrumentation), for the case the benchmark runs: a CommonJS
 * handler (no .mjs in the task root, no "type": "module") on Node 20, with
 * OTEL_AWS_LAMBDA_FAST_START=true, where the script takes the fast path, `--require
 * /opt/lite-wrapper.js` (no import-in-the-middle loader). Its exporter sends OTLP over UDP to
 * AWS_XRAY_DAEMON_ADDRESS, the benchmark's sink here.
 */
export interface LayerEnvInput {
  /** The layer's /opt/lite-wrapper.js (fetch.ts). */
  wrapper: string;
  /** LAMBDA_TASK_ROOT, holding index.js. */
  taskRoot: string;
  /** host:port of the UDP sink. */
  daemonAddress: string;
  functionName?: string;
  region?: string;
  /** NODE_OPTIONS already set, which the script appends to. */
  nodeOptions?: string;
}

export function layerEnv(input: LayerEnvInput): Record<string, string> {
  const name = input.functionName ?? "bench";
  const lambda = {
    AWS_REGION: input.region ?? "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: "2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x",
    LAMBDA_TASK_ROOT: input.taskRoot,
    _HANDLER: "index.handler",
    AWS_XRAY_DAEMON_ADDRESS: input.daemonAddress,
    AWS_LAMBDA_EXEC_WRAPPER: "/opt/otel-instrument",
    OTEL_AWS_LAMBDA_FAST_START: "true",
  };
  // otel-instrument's exports, in its order, each where the script sets it when it is unset.
  const resource = [
    `cloud.region=${lambda.AWS_REGION}`,
    "cloud.provider=aws",
    "cloud.platform=aws_lambda",
    `faas.name=${name}`,
    `faas.version=${lambda.AWS_LAMBDA_FUNCTION_VERSION}`,
    `faas.instance=${lambda.AWS_LAMBDA_LOG_STREAM_NAME}`,
    `aws.log.group.names=${lambda.AWS_LAMBDA_LOG_GROUP_NAME}`,
  ].join(",");
  return {
    ...lambda,
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
    NODE_OPTIONS: `${input.nodeOptions ?? ""} --require "${input.wrapper}"`.trim(),
    LAMBDA_RESOURCE_ATTRIBUTES: resource,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_NODE_ENABLED_INSTRUMENTATIONS: "aws-sdk,aws-lambda,http",
    OTEL_SERVICE_NAME: name,
    OTEL_PROPAGATORS: "baggage,tracecontext,xray",
    OTEL_AWS_APPLICATION_SIGNALS_ENABLED: "true",
    OTEL_RESOURCE_ATTRIBUTES: `service.name=${name},${resource}`,
  };
}
