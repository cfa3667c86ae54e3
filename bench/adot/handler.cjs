// The benchmark's function under ADOT (bench/adot/fetch.ts copies it to the task root as
// index.js): the handler of bench/lambda-child.mjs, its 3 subsegments written as an ADOT user
// writes them, spans of the OpenTelemetry API with an attribute each. Lambda's runtime requires
// this file by its path, which is when ADOT's Lambda instrumentation wraps `handler`.
const { trace } = require("@opentelemetry/api");

const tracer = trace.getTracer("bench");
const NAMES = ["load", "compute", "store"];

exports.handler = async (_event, _context) => {
  for (const name of NAMES) {
    await tracer.startActiveSpan(name, async (span) => {
      try {
        span.setAttribute("step", name);
      } finally {
        span.end();
      }
    });
  }
  return { ok: true };
};
