/**
 * xray-edge: AWS X-Ray tracing with a WebAssembly core, for Node.js, Bun, Deno and edge runtimes.
 * This is the core's whole public API, platform-free; the package's main entry (adapters/host)
 * re-exports it with the host runtime's platform as the default.
 *
 * @example
 * import { Tracer, MemoryEmitter } from "xray-edge";
 * const tracer = new Tracer({ serviceName: "checkout", emitter: new MemoryEmitter() });
 * const segment = tracer.beginSegment("checkout", { traceHeader: request.headers.get("x-amzn-trace-id") ?? undefined });
 * const sub = segment.beginSubsegment("load-cart");
 * sub.addAnnotation("cart_size", 3);
 * sub.close();
 * segment.close();
 */
import { defaultPlatform, defaultXRay } from "./default.ts";
import { formatTraceHeader, type TraceHeader } from "./header.ts";
import { optionError } from "./options.ts";
import { embeddedModule } from "./wasm.ts";
import { createXRayWith, type XRay, type XRayOptions } from "./xray.ts";

/**
 * A separate core instance: its own entropy, clock, cap or precompiled module. What is not given
 * comes from the package's platform (the host runtime's, through the main entry).
 */
export function createXRay(options: XRayOptions = {}): XRay {
  if (typeof options !== "object" || options === null) throw optionError("createXRay", "options", "an object", options);
  return createXRayWith(options.module ?? embeddedModule(), { ...defaultPlatform(), ...options });
}

/**
 * Parses an `X-Amzn-Trace-Id` value. Returns undefined when there is no valid Root; see the
 * README's "Trace headers" for the rules.
 */
export function parseTraceHeader(header: string): TraceHeader | undefined {
  return defaultXRay().parseTraceHeader(header);
}

export { formatTraceHeader };

/** A new trace ID: `1-` + 8 hex digits of epoch seconds + `-` + 24 random hex digits. */
export function newTraceId(): string {
  return defaultXRay().newTraceId();
}

/** A new segment ID: 16 random hex digits from the OS CSPRNG, never all zero. */
export function newSegmentId(): string {
  return defaultXRay().newSegmentId();
}

export {
  type CentralizedRulesOptions,
  type CentralRequest,
  type CentralRule,
  CentralizedRules,
  type CentralTarget,
  type RuleStatistics,
} from "./centralized.ts";
export type { Clock } from "./clock.ts";
export { DAEMON_HEADER, type Emitter, MemoryEmitter } from "./emitter.ts";
export { type AnnotationValue, Entity, type HttpData, Segment, Subsegment, type SubsegmentOptions, type TraceEntity } from "./entity.ts";
export type { TraceHeader } from "./header.ts";
// Named, not `export *`: limits.ts is in the main entry's internal file (the validator uses it too),
// and a bundle's `export *` of a file outside it is lost (scripts/bundles.mjs).
export {
  DEFAULT_MAX_ENTITIES,
  MAX_ANNOTATION_KEY_CHARS,
  MAX_ANNOTATION_VALUE_CHARS,
  MAX_ANNOTATIONS,
  MAX_DATAGRAM_BYTES,
  MAX_DOCUMENT_BYTES,
  MAX_ENTITIES_LIMIT,
  MAX_NAME_CHARS,
  MAX_PATH_CHARS,
  NODE_BUDGET,
  TRACE_BUDGET,
} from "./limits.ts";
export type { Logger } from "./log.ts";
export type { TracerStats } from "./recorder.ts";
export { Sampler, type SamplerOptions, type SamplingDecision, type SamplingRequest } from "./sampler.ts";
export { type BeginSegmentOptions, type SamplingStrategy, Tracer, type TracerOptions } from "./tracer.ts";
export type { Platform, XRay, XRayOptions } from "./xray.ts";
