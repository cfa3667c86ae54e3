/**
 * @module xray-edge/lambda: tracing for Node.js Lambda functions. `traceHandler` wraps the
 * handler; `getSegment`, `capture` and `captureAsync` work inside it, across awaits.
 */
import { loadSettings } from "../context/storage.ts";
import { loadHandlerSettings } from "./settings.ts";
export { traceHandler, type TraceHandlerOptions } from "./handler.ts";
export { CallbackHandlerDeprecatedError } from "./callback.ts";
export { getSegment, capture, captureAsync, withSegment, currentTraceHeader, ContextMissingError } from "../context/capture.ts";
export type { TraceEntity, SubsegmentOptions } from "../../core/entity.ts";

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
loadHandlerSettings();
