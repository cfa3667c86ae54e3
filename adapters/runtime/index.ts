/**
 * @module xray-edge/runtime: a Lambda custom runtime for Node, Bun and Deno (one file, fetch
 * only) that runs the `_HANDLER` function traced as `traceHandler` traces it on Node's managed
 * runtime. `dist/bootstrap.js` starts it.
 */
export { startRuntime, type RuntimeOptions } from "./runtime.ts";
export type { LambdaContext } from "./context.ts";
