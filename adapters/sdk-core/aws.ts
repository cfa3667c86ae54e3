/**
 * aws-xray-sdk-core's `captureAWSv3Client(client, manualSegment?)` on xray-edge's AWS SDK
 * middleware (adapters/aws-sdk): one `aws` subsegment per command with the peer's per-operation
 * fields (table_name, bucket_name, key, queue_url, ...) and its count of `retries` (the attempts).
 */
import type { TraceEntity } from "../../core/entity.ts";
import { instrumentClient } from "../aws-sdk/client.ts";
import type { AwsSdkClient } from "../aws-sdk/types.ts";
import { getSegment } from "./context.ts";
import type { SegmentLike } from "./entities.ts";
import { isAutomaticMode, logOnce } from "./state.ts";

/**
 * Records each command the client sends as a subsegment of the current segment (automatic mode:
 * in Lambda the invocation's facade) or of `manualSegment` (manual mode), and passes the trace
 * on in `X-Amzn-Trace-Id`. Returns the same client; calling it again changes nothing.
 */
export function captureAWSv3Client<T extends { middlewareStack: { remove: any; use: any }; config: any }>(
  client: T,
  manualSegment?: SegmentLike,
): T {
  const resolve = (): TraceEntity | null => {
    if (!isAutomaticMode()) {
      if (manualSegment) return manualSegment;
      logOnce(
        "aws:manual",
        "info",
        "AWS SDK calls require a segment object passed to captureAWSv3Client for tracing in manual mode. Ignoring.",
      );
      return null;
    }
    return getSegment() ?? null; // getSegment applied the context-missing strategy
  };
  return instrumentClient(
    client as unknown as AwsSdkClient,
    {},
    {
      what: "captureAWSv3Client",
      retries: "attempts",
      errorContentLength: false,
      resolve,
    },
  ) as unknown as T;
}
