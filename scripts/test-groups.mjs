// The test groups npm test runs, in order. Each is one uvu run over a folder of test/.
const uvu = (dir, pattern = "\\.test\\.ts$") => [
  process.execPath,
  "--import",
  "./scripts/register.mjs",
  "node_modules/uvu/bin.js",
  dir,
  pattern,
  "-i",
  "fixtures",
];

const bin = (name) => `node_modules/.bin/${name}`;

export const groups = [
  { name: "core", command: uvu("test", "^(core|conformance)/[^/]*\\.test\\.ts$") },
  { name: "bun", command: [bin("bun"), "run", "test/runtimes/bun/conformance.ts"] },
  { name: "deno", command: [bin("deno"), "run", "-A", "test/runtimes/deno/conformance.ts"] },
  { name: "workerd", command: [process.execPath, "test/runtimes/workerd/run.mjs"] },
  // Node 22 from the npm registry (node-<os>-<arch>), fetched once by its runner.
  { name: "node22", command: [process.execPath, "--import", "./scripts/register.mjs", "test/runtimes/node22/run.ts"] },
  { name: "node24", command: [process.execPath, "--import", "./scripts/register.mjs", "test/runtimes/node24/run.ts"] },
  { name: "validate", command: uvu("test/validate") },
  { name: "udp", command: uvu("test/udp") },
  { name: "daemon", command: uvu("test/daemon") },
  { name: "differential", command: uvu("test/differential") },
  { name: "property", command: uvu("test/property") },
  { name: "lambda", command: uvu("test/lambda") },
  { name: "fetch", command: uvu("test/fetch") },
  { name: "aws-sdk", command: uvu("test/aws-sdk") },
  // Issue 16: xray-edge/powertools against Powertools Tracer, on Node 20, 22 and 24.
  { name: "powertools", command: uvu("test/powertools") },
  // Issue 13: the X-Ray API (emitter, centralized sampler, stand-in) and the server middleware.
  { name: "xray-api", command: uvu("test/xray-api") },
  { name: "http", command: uvu("test/http") },
  // Issue 13, point 4: xray-edge/workers in workerd, against the X-Ray API stand-in.
  { name: "workers", command: uvu("test/workers") },
  // Issue 11's fault suite: each case as real processes on Node, Bun and Deno, bad input beside outcome.
  { name: "faults", command: uvu("test/faults") },
  // Issue 16: xray-edge/sdk-core against aws-xray-sdk-core (differential, Node 20, 22 and 24) and its API.
  { name: "sdk-core", command: uvu("test/sdk-core") },
  { name: "runtime", command: uvu("test/runtime") },
  { name: "invoke", command: uvu("test/invoke") },
  { name: "layers", command: uvu("test/layers") },
  { name: "demo", command: uvu("test/demo") },
  { name: "package", command: uvu("test/package") },
  // Issue 14: the benchmark's report (targets, rendering, the README section from results.json) and
  // its ADOT peer, fetched into the user cache (no network here).
  { name: "bench", command: uvu("test/bench") },
];
