/** @module The current segment across awaits (AsyncLocalStorage), shared by every adapter. */
export { getSegment, capture, captureAsync, withSegment, currentTraceHeader, ContextMissingError, beginSubsegment } from "./capture.ts";
export { hasAsyncContext } from "./storage.ts";
export type { TraceEntity, SubsegmentOptions } from "../../core/entity.ts";
