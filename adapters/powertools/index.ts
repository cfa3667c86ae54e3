/**
 * @module xray-edge/powertools: Powertools Tracer's API (`@aws-lambda-powertools/tracer`) on
 * xray-edge. Change the import and the handler traces as before: the same subsegments,
 * annotations, metadata and POWERTOOLS_* variables (docs/compatibility.md names the differences).
 */
import { loadSettings } from "../context/storage.ts";
import { loadConcurrency } from "../lambda/settings.ts";
import { loadPowertoolsSettings } from "./settings.ts";
export { Tracer } from "./tracer.ts";
export { PowertoolsSegment } from "./entity.ts";
export type { AnyClassMethod, MethodDecorator } from "./decorators.ts";
export type { CaptureLambdaHandlerOptions, CaptureMethodOptions, ConfigServiceInterface, TracerOptions } from "./options.ts";

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
loadConcurrency(); // AWS_LAMBDA_MAX_CONCURRENCY: whether _X_AMZN_TRACE_ID may be read
loadPowertoolsSettings();
