/**
 * @module xray-edge/http: a segment for every request a server handles: `traceRequestListener`
 * (node:http, node:https), `traceFetchHandler` (Bun.serve, Deno.serve, Hono), and Express's
 * `openSegment` / `closeSegment`. Inside, xray-edge/context, /fetch and /aws-sdk nest under it.
 */
import { loadSettings } from "../context/storage.ts";
export { traceRequestListener } from "./node.ts";
export { traceFetchHandler } from "./fetch.ts";
export { openSegment, closeSegment } from "./express.ts";
export type { HttpTracingOptions } from "./options.ts";
export { getSegment, capture, captureAsync, withSegment, currentTraceHeader } from "../context/capture.ts";
export type { TraceEntity, SubsegmentOptions } from "../../core/entity.ts";

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
