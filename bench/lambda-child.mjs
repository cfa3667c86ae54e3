// Lambda handler benchmarks, run in a fresh Node process (bench/lambda.mjs spawns it). Each
// invocation gets a new _X_AMZN_TRACE_ID, as Lambda gives; documents go over UDP to the sink port.
// The handler opens 3 subsegments, each with an annotation, and returns a small object.
//   overhead <port> <n> <rounds> [modes]: baseline, xray-edge and aws-xray-sdk-core (as Powertools Tracer
//     uses it: the ## handler subsegment, ColdStart and Service annotations, the response as
//     metadata, captureAsyncFunc for each subsegment) in interleaved rounds; prints µs/invocation.
//     The drop-in paths run the same handler code with only the import changed: `sdk-core`
//     (that aws-xray-sdk-core code on xray-edge/sdk-core), `powertools` (Powertools Tracer's
//     decorator, getSegment/setSegment and putAnnotation for each subsegment) and
//     `edge-powertools` (that code on xray-edge/powertools).
//     `adot`: ADOT's lite mode, in a process started with its layer's environment (bench/adot/):
//     the handler file in LAMBDA_TASK_ROOT, required by its path as Lambda's runtime loads it, so
//     that ADOT's Lambda instrumentation wraps it; its spans are the OpenTelemetry API's.
//     `minimum`: the hand-written minimum, no SDK at all: the header taken apart by a regular
//     expression, random IDs, the same document as xray-edge's built by hand with JSON.stringify,
//     one send on a connected node:dgram socket (not waiting for its callback, as
//     aws-xray-sdk-core sends); a cold start pays for loading node:dgram and making the socket.
//   cold <mode> <port>: one invocation; prints ms from process start to its end, then exits once
//     the sends deferred past it are out.
import { createRequire } from "node:module";
import path from "node:path";
import { minimumLambdaHandler } from "./minimum-lambda.mjs";

const [what, ...args] = process.argv.slice(2);
const port = what === "cold" ? args[1] : args[0];
process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
// aws-xray-sdk-core's Lambda mode (facade segments); under ADOT its layer's environment sets them.
process.env.LAMBDA_TASK_ROOT ??= "/var/task";
process.env._HANDLER ??= "index.handler";
process.env.AWS_LAMBDA_FUNCTION_NAME = "bench";
process.env.AWS_XRAY_CONTEXT_MISSING = "IGNORE_ERROR";
process.env.AWS_EXECUTION_ENV = "AWS_Lambda_nodejs20.x"; // Powertools traces only in Lambda
process.env.POWERTOOLS_SERVICE_NAME = "bench";

// Headers made without node:crypto, so that a cold start pays for its own crypto initialization.
const hex = (n, i) => ((i * 2654435761) >>> 0).toString(16).padStart(8, "0").repeat(3).slice(0, n);
const headers = Array.from(
  { length: what === "cold" ? 1 : 4096 },
  (_, i) => `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(24, i + 1)};Parent=${hex(16, i + 7)};Sampled=1`,
);
let next = 0;
const setHeader = () => (process.env._X_AMZN_TRACE_ID = headers[next++ % headers.length]);
const NAMES = ["load", "compute", "store"];

async function baselineHandler() {
  for (const name of NAMES) await (async () => name)();
  return { ok: true };
}

async function ours() {
  const { traceHandler, captureAsync } = await import("../dist/lambda.js");
  return traceHandler(async () => {
    for (const name of NAMES) await captureAsync(name, async (sub) => sub.addAnnotation("step", name));
    return { ok: true };
  });
}

const require = createRequire(import.meta.url);

function sdkCoreStyle(AWSXRay) {
  AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
  let cold = true;
  return async (_event, _context) => {
    const segment = AWSXRay.getSegment();
    const sub = segment.addNewSubsegment("## index.handler");
    AWSXRay.setSegment(sub);
    sub.addAnnotation("ColdStart", cold);
    cold = false;
    sub.addAnnotation("Service", "bench");
    try {
      for (const name of NAMES) {
        await AWSXRay.captureAsyncFunc(name, async (s) => {
          try {
            s.addAnnotation("step", name);
          } finally {
            s.close();
          }
        });
      }
      const result = { ok: true };
      sub.addMetadata("index.handler response", result, "bench");
      return result;
    } catch (error) {
      sub.addError(error);
      throw error;
    } finally {
      sub.close();
      AWSXRay.setSegment(segment);
    }
  };
}

/** Powertools Tracer as its documentation shows it: the legacy decorator on a class's handler. */
function powertoolsStyle({ Tracer }) {
  const tracer = new Tracer({ serviceName: "bench" });
  class Lambda {
    async handler(_event, _context) {
      for (const name of NAMES) {
        await (async () => name)();
        const parent = tracer.getSegment();
        const sub = parent.addNewSubsegment(name);
        tracer.setSegment(sub);
        tracer.putAnnotation("step", name);
        sub.close();
        tracer.setSegment(parent);
      }
      return { ok: true };
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(Lambda.prototype, "handler");
  Object.defineProperty(Lambda.prototype, "handler", tracer.captureLambdaHandler()(Lambda.prototype, "handler", descriptor) ?? descriptor);
  const lambda = new Lambda();
  return lambda.handler.bind(lambda);
}

/** The function as Lambda's runtime loads a CommonJS handler: required by its path in the task root. */
function adotHandler() {
  const { handler } = require(path.join(process.env.LAMBDA_TASK_ROOT, "index.js"));
  // Unwrapped, the peer would be measured doing nothing: ADOT's instrumentation marks what it wraps.
  if (!handler.__wrapped) throw new Error("ADOT's Lambda instrumentation did not wrap the handler (was its layer's environment set?)");
  return handler;
}

async function minimumHandler() {
  const dgram = await import("node:dgram");
  const [host, port] = process.env.AWS_XRAY_DAEMON_ADDRESS.split(":");
  const socket = dgram.createSocket("udp4");
  await new Promise((resolve) => socket.connect(Number(port), host, resolve));
  socket.unref();
  return minimumLambdaHandler({ handlerName: "index.handler", names: NAMES, send: (d) => socket.send(d) });
}

const make = {
  baseline: async () => baselineHandler,
  ours,
  aws: async () => sdkCoreStyle(require("aws-xray-sdk-core")),
  "sdk-core": async () => sdkCoreStyle(require("../dist/sdk-core.cjs")),
  powertools: async () => powertoolsStyle(await import("@aws-lambda-powertools/tracer")),
  "edge-powertools": async () => powertoolsStyle(await import("../dist/powertools.js")),
  adot: async () => adotHandler(),
  minimum: minimumHandler,
};
const CONTEXT = {
  awsRequestId: "bench-request",
  functionName: "bench",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:bench",
  getRemainingTimeInMillis: () => 60_000,
};

if (what === "cold") {
  const handler = await make[args[0]]();
  setHeader();
  await handler({}, CONTEXT);
  console.log(performance.now().toFixed(3));
  // The time is taken; now let the sends the SDKs defer past the handler's end (aws-xray-sdk-core,
  // Powertools, ADOT: a lookup before the send) go out before the exit, so the sink counts them.
  setTimeout(() => process.exit(0), 50);
} else {
  const [, n, rounds] = args.map(Number);
  const modes = (args[3] ?? "baseline,ours,aws").split(",");
  const handlers = {};
  for (const mode of modes) handlers[mode] = await make[mode]();
  const drain = () => new Promise((r) => setTimeout(r, 30)); // aws-xray-sdk-core's sends have no flush
  const times = Object.fromEntries(modes.map((m) => [m, []]));
  for (let round = -1; round < rounds; round++) {
    for (const mode of Object.keys(handlers)) {
      const h = handlers[mode];
      await drain();
      const t = performance.now();
      for (let i = 0; i < n; i++) {
        setHeader();
        await h({}, CONTEXT);
      }
      const us = ((performance.now() - t) * 1000) / n;
      if (round >= 0) times[mode].push(us); // round -1 warms up
    }
  }
  await drain();
  console.log(JSON.stringify(times));
  process.exit(0);
}
