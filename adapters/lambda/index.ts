/**
 * @module xray-edge/lambda: tracing for Node.js Lambda functions. `traceHandler` wraps the
 * handler; `getSegment`, `capture` and `captureAsync` work inside it, across awaits.
 */
export { traceHandler, type TraceHandlerOptions } from "./handler.ts";
export { getSegment, capture, captureAsync, withSegment, currentTraceHeader, ContextMissingError } from "../context/capture.ts";
export type { TraceEntity, SubsegmentOptions } from "../../core/entity.ts";
