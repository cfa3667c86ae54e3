/**
 * @module xray-edge/workers: `export default traced({ fetch }, { name })` for a Workers module.
 * Every request is a segment sent to the X-Ray API (SigV4 by aws4fetch, credentials from the
 * Worker's bindings) within the request's `ctx.waitUntil`. No Node built-in on its path.
 */
import { loadSettings } from "../context/storage.ts";
export { traced, segmentOf } from "./traced.ts";
export type { WorkersBindings, WorkersTracingOptions } from "./options.ts";
export { getSegment, capture, captureAsync, withSegment, currentTraceHeader } from "../context/capture.ts";
export type { TraceEntity, SubsegmentOptions } from "../../core/entity.ts";

// As every entry: the settings (AWS_XRAY_* in process.env, where nodejs_compat gives one) are read
// and checked at import; without an environment the defaults apply.
loadSettings();
