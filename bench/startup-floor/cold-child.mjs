// One fresh process, one Lambda-style invocation with 3 subsegments; prints the ms from process
// start (process.uptime(): performance.now() would load perf_hooks, about 2 ms, in every case, which
// hid a traced case's own loading of it) to the invocation done, and the CPU ms the process used by then
// (all its threads: steadier than the wall clock on a busy machine); and the phases, wall and CPU:
// the import (the modules loaded), the wrap (traceHandler(); nothing for the others) and the
// invocation, marked by process.hrtime and process.cpuUsage. argv: <mode> <port> [module]:
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
const marks = [];
const mark = () => {
  const c = process.cpuUsage();
  marks.push([Number(process.hrtime.bigint()) / 1e6, (c.user + c.system) / 1000]);
};
mark();

let handler;
if (mode === "untraced") {
  handler = async () => {
    for (const name of NAMES) await step(name);
    return { ok: true };
  };
  mark();
  mark();
} else if (mode === "ours") {
  const { traceHandler, captureAsync } = await import(module);
  mark();
  handler = traceHandler(async () => {
    for (const name of NAMES) await captureAsync(name, async (sub) => sub.addAnnotation("step", await step(name)));
    return { ok: true };
  });
  mark();
} else {
  if (mode === "floor-wasm") await import(module);
  const { tracedByHand } = await import("./min-handler.mjs");
  mark();
  handler = async () => {
    await tracedByHand(NAMES, step);
    return { ok: true };
  };
  mark();
}
await handler({}, context);
mark();
const wallMs = process.uptime() * 1000;
const cpu = process.cpuUsage();
const phase = (i, at) => marks[i + 1][at] - marks[i][at];
console.log(
  JSON.stringify({
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    importMs: phase(0, 0),
    importCpuMs: phase(0, 1),
    wrapMs: phase(1, 0),
    wrapCpuMs: phase(1, 1),
    invocationMs: phase(2, 0),
    invocationCpuMs: phase(2, 1),
  }),
);
