// One fresh process, one Lambda-style invocation with 3 subsegments; prints the ms from process
// start (performance.timeOrigin) to the invocation done, and the CPU ms the process used by then
// (all its threads: steadier than the wall clock on a busy machine). argv: <mode> <port> [module]:
//   untraced: the handler alone; ours: traceHandler from <module> (a dist/lambda.js);
//   floor: the hand-written minimum (min-handler.mjs); floor-wasm: that plus a wasm core's fixed
//   cost, <module> being min-id-wasm.mjs (core.wasm embedded, decoded, compiled, instantiated).
const [mode, port, module] = process.argv.slice(2);
process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
process.env._HANDLER = "index.handler";
process.env.AWS_LAMBDA_FUNCTION_NAME = "bench";
// Made without node:crypto, so that tracing pays for its own crypto initialization.
process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-5759e988bd862e3fe1be46a9;Parent=53995c3f42cd8ad8;Sampled=1`;
const NAMES = ["load", "compute", "store"];
const step = async (name) => name;
const context = { awsRequestId: "r", getRemainingTimeInMillis: () => 3000 };

let handler;
if (mode === "untraced") {
  handler = async () => {
    for (const name of NAMES) await step(name);
    return { ok: true };
  };
} else if (mode === "ours") {
  const { traceHandler, captureAsync } = await import(module);
  handler = traceHandler(async () => {
    for (const name of NAMES) await captureAsync(name, async (sub) => sub.addAnnotation("step", await step(name)));
    return { ok: true };
  });
} else {
  if (mode === "floor-wasm") await import(module);
  const { tracedByHand } = await import("./min-handler.mjs");
  handler = async () => {
    await tracedByHand(NAMES, step);
    return { ok: true };
  };
}
await handler({}, context);
const wallMs = performance.now();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }));
