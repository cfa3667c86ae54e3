/**
 * @module xray-edge/sdk-core: aws-xray-sdk-core's API on xray-edge's core, so that a move is an
 * import change: `import AWSXRay from "xray-edge/sdk-core"`, `import { getSegment } from …` or
 * `const AWSXRay = require("xray-edge/sdk-core")`. In Lambda no wrapper is needed: getSegment()
 * inside a handler returns the invocation's facade, and each subsegment is sent when it closes.
 * What is not carried over, and why: docs/compatibility.md, "xray-edge/sdk-core".
 */
import { loadSettings, registry } from "../context/storage.ts";
import { loadConcurrency } from "../lambda/settings.ts";
import { captureAWSv3Client } from "./aws.ts";
import { captureAsyncFunc, captureCallbackFunc, captureFunc } from "./capture.ts";
import { getNamespace, getSegment, resolveManualSegmentParams, resolveSegment, setSegment } from "./context.ts";
import { Segment, Subsegment } from "./entities.ts";
import { captureHTTPs, captureHTTPsGlobal } from "./http.ts";
import * as middleware from "./middleware.ts";
import {
  enableAutomaticMode,
  enableManualMode,
  getLogger,
  isAutomaticMode,
  setContextMissingStrategy,
  setDaemonAddress,
  setLogger,
} from "./state.ts";
import * as utils from "./utils.ts";

export {
  captureAWSv3Client,
  captureAsyncFunc,
  captureCallbackFunc,
  captureFunc,
  captureHTTPs,
  captureHTTPsGlobal,
  enableAutomaticMode,
  enableManualMode,
  getLogger,
  getNamespace,
  getSegment,
  isAutomaticMode,
  middleware,
  resolveManualSegmentParams,
  resolveSegment,
  Segment,
  setContextMissingStrategy,
  setDaemonAddress,
  setLogger,
  setSegment,
  Subsegment,
  utils,
};
export type { SegmentLike } from "./entities.ts";
export type { ContextMissingStrategy, Logger } from "./state.ts";
export type { XRayNamespace } from "./context.ts";

/** The peer's module object, for `import AWSXRay from "xray-edge/sdk-core"`. */
const AWSXRay = {
  captureAWSv3Client,
  captureAsyncFunc,
  captureCallbackFunc,
  captureFunc,
  captureHTTPs,
  captureHTTPsGlobal,
  enableAutomaticMode,
  enableManualMode,
  getLogger,
  getNamespace,
  getSegment,
  isAutomaticMode,
  middleware,
  resolveManualSegmentParams,
  resolveSegment,
  Segment,
  setContextMissingStrategy,
  setDaemonAddress,
  setLogger,
  setSegment,
  Subsegment,
  utils,
};
export default AWSXRay;

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
loadConcurrency(); // AWS_LAMBDA_MAX_CONCURRENCY: whether _X_AMZN_TRACE_ID may be read
// Its handlers need no wrapper: xray-edge's custom runtime must not add its own `## handler`.
registry().wrapperless = "xray-edge/sdk-core";
