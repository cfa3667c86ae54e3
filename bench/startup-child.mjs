// One fresh process's start-up, timed with process.hrtime (which, unlike performance, costs
// nothing to load): `ours` prints import + instantiation, then the first traced segment;
// `aws` prints require("aws-xray-sdk-core").
import { createRequire } from "node:module";

const now = () => Number(process.hrtime.bigint()) / 1e6;
const t = now();
if (process.argv[2] === "aws") {
  createRequire(import.meta.url)("aws-xray-sdk-core");
  console.log(now() - t);
} else {
  const m = await import("../dist/index.js");
  m.parseTraceHeader("Root=1-5759e988-bd862e3fe1be46a994272793"); // instantiates the default core
  const u = now();
  new m.Tracer({ emitter: { send() {}, flush: async () => {} } }).beginSegment("s").close();
  console.log(u - t, now() - u);
}
