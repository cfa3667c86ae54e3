/**
 * @module xray-edge/aws-sdk: tracing for AWS SDK for JavaScript v3 clients. `captureAwsClient`
 * records each command as an `aws` subsegment of the current segment and propagates the trace.
 * Imports nothing from the SDK at run time.
 */
import { loadSettings } from "../context/storage.ts";
export { captureAwsClient, MIDDLEWARE_NAME, type CaptureAwsClientOptions } from "./client.ts";
export type { AwsSdkClient, AwsSdkMiddlewareStack, BuildMiddleware, BuildMiddlewareOptions } from "./types.ts";
export type { TraceEntity } from "../../core/entity.ts";

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
