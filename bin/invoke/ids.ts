/**
 * The identifiers Lambda hands a runtime: request IDs, the X-Ray trace header of each invocation,
 * the function ARN and the log stream name. Generated here with node:crypto, independently of the
 * core's own ID generator, so that the emulator tests the core instead of agreeing with it.
 */
import { randomBytes, randomUUID } from "node:crypto";

/** `1`: Sampled=1, `0`: Sampled=0, `none`: no Lambda-Runtime-Trace-Id header at all. */
export type Sampling = "1" | "0" | "none";

export const newRequestId = (): string => randomUUID();

/** 16 hex digits, never all zero (X-Ray refuses a zero parent): a Parent, or any segment's ID. */
export function newParentId(): string {
  for (;;) {
    const id = randomBytes(8).toString("hex");
    if (id !== "0000000000000000") return id;
  }
}

/** `1-<epoch seconds, 8 hex>-<24 hex>`. */
export function newTraceId(nowMs: number = Date.now()): string {
  const epoch = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, "0");
  return `1-${epoch}-${randomBytes(12).toString("hex")}`;
}

/** `Root=1-<epoch seconds, 8 hex>-<24 hex>;Parent=<16 hex>;Sampled=<1|0>`, or null for `none`. */
export function newTraceHeader(sampled: Sampling, nowMs: number = Date.now()): string | null {
  if (sampled === "none") return null;
  return `Root=${newTraceId(nowMs)};Parent=${newParentId()};Sampled=${sampled}`;
}

/** The ARN of an unqualified invocation; the account is twelve zeros, a local stand-in. */
export const functionArn = (region: string, functionName: string): string =>
  `arn:aws:lambda:${region}:000000000000:function:${functionName}`;

/** `YYYY/MM/DD/[$LATEST]<32 hex>`, the shape of Lambda's log stream names. */
export function logStreamName(nowMs: number = Date.now()): string {
  const day = new Date(nowMs).toISOString().slice(0, 10).replaceAll("-", "/");
  return `${day}/[$LATEST]${randomBytes(16).toString("hex")}`;
}
