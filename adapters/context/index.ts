/** @module The current segment across awaits (AsyncLocalStorage), shared by every adapter. */
import { loadSettings } from "../context/storage.ts";
export { getSegment, capture, captureAsync, withSegment, currentTraceHeader, ContextMissingError, beginSubsegment } from "./capture.ts";
export { hasAsyncContext } from "./storage.ts";
export type { TraceEntity, SubsegmentOptions } from "../../core/entity.ts";

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
