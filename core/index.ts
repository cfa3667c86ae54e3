/**
 * xray-edge: AWS X-Ray tracing with a WebAssembly core, for Node.js, Bun, Deno and edge runtimes.
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
import { embeddedModule } from "./wasm.ts";
import { type XRay, type XRayOptions, createXRayWith } from "./xray.ts";
import { type TraceHeader, formatTraceHeader } from "./header.ts";
import { SamplerWith, type SamplerOptions } from "./sampler.ts";
import { TracerWith, type TracerOptions } from "./tracer.ts";
import { systemClock } from "./clock.ts";

let instance: XRay | undefined;

/** The default core, instantiated on first use so that importing costs almost nothing. */
function xray(): XRay {
  return (instance ??= createXRayWith(embeddedModule()));
}

/** A separate core instance (own entropy, clock, or a precompiled module). */
export function createXRay(options: XRayOptions = {}): XRay {
  return createXRayWith(options.module ?? embeddedModule(), options);
}

/**
 * Parses an `X-Amzn-Trace-Id` value. Returns undefined when there is no valid Root; see the
 * README's "Trace headers" for the rules.
 */
export function parseTraceHeader(header: string): TraceHeader | undefined {
  return xray().parseTraceHeader(header);
}

export { formatTraceHeader };

/** A new trace ID: `1-` + 8 hex digits of epoch seconds + `-` + 24 random hex digits. */
export function newTraceId(): string {
  return xray().newTraceId();
}

/** A new segment ID: 16 random hex digits from the OS CSPRNG, never all zero. */
export function newSegmentId(): string {
  return xray().newSegmentId();
}

/** Local sampling rules (versions 1 and 2) or the default 1 per second then 5%. */
export class Sampler extends SamplerWith {
  constructor(options?: SamplerOptions) {
    super(xray().core, systemClock, options);
  }
}

/** Builds segments and sends their documents through an emitter. */
export class Tracer extends TracerWith {
  constructor(options: TracerOptions = {}) {
    super(xray().core, options, (core, clock) => new SamplerWith(core, clock));
  }
}

export { MemoryEmitter, DAEMON_HEADER, type Emitter } from "./emitter.ts";
export type { TraceHeader } from "./header.ts";
export type { SamplerOptions, SamplingRequest, SamplingDecision } from "./sampler.ts";
export { Segment, type TracerOptions, type BeginSegmentOptions, type SamplingStrategy } from "./tracer.ts";
export { Subsegment, Entity, type TraceEntity, type SubsegmentOptions, type AnnotationValue, type HttpData } from "./entity.ts";
export type { TracerStats } from "./tracer-core.ts";
export type { Logger } from "./log.ts";
export type { XRay, XRayOptions } from "./xray.ts";
export type { Clock } from "./clock.ts";
export * from "./limits.ts";
