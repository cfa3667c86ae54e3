import { type Core, type Platform, instantiate } from "./abi.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { type TraceHeader, formatTraceHeader, parseTraceHeaderWith } from "./header.ts";
import { newSegmentIdWith, newTraceIdWith } from "./ids.ts";
import { SamplerWith, type SamplerOptions } from "./sampler.ts";
import { TracerWith, type TracerOptions } from "./tracer.ts";

export interface XRayOptions {
  /** The compiled core. Default: the embedded core.wasm (workerd passes its imported module). */
  module?: WebAssembly.Module;
  /** Secure random bytes. Default: crypto.getRandomValues. Tests inject a seeded source. */
  entropy?: Platform["entropy"];
  /** Epoch seconds for IDs and samplers made here. Default: the system clock. */
  clock?: Clock;
}

/** Everything the package exports that needs a core, bound to one core instance. */
export interface XRay {
  parseTraceHeader(header: string): TraceHeader | undefined;
  formatTraceHeader(header: TraceHeader): string;
  newTraceId(): string;
  newSegmentId(): string;
  Sampler: new (options?: SamplerOptions) => SamplerWith;
  Tracer: new (options?: TracerOptions) => TracerWith;
  /** Segments and subsegments alive in the core (open, or open under a sent parent). */
  liveNodes(): number;
  /** wasm memory in bytes. */
  memoryBytes(): number;
  /** @internal */
  core: Core;
}

const MAX_ENTROPY_CALL = 65536;

/** The OS CSPRNG, in chunks getRandomValues accepts. */
export function cryptoEntropy(bytes: Uint8Array<ArrayBuffer>): void {
  for (let i = 0; i < bytes.length; i += MAX_ENTROPY_CALL) {
    crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + MAX_ENTROPY_CALL)));
  }
}

/**
 * A separate core instance with its own platform. The package's top-level exports use a default
 * instance; conformance tests make their own with an injected clock and entropy.
 */
export function createXRayWith(module: WebAssembly.Module, options: XRayOptions = {}): XRay {
  const core = instantiate(module, { entropy: options.entropy ?? cryptoEntropy });
  const clock = options.clock ?? systemClock;
  class Sampler extends SamplerWith {
    constructor(samplerOptions?: SamplerOptions) {
      super(core, clock, samplerOptions);
    }
  }
  class Tracer extends TracerWith {
    constructor(tracerOptions: TracerOptions = {}) {
      super(core, { clock, ...tracerOptions }, (c, tracerClock) => new SamplerWith(c, tracerClock));
    }
  }
  return {
    parseTraceHeader: (header) => parseTraceHeaderWith(core, header),
    formatTraceHeader,
    // A trace ID needs whole seconds only: Date.now() is half the cost of the microsecond clock.
    newTraceId: () => newTraceIdWith(core, options.clock ? options.clock() : Date.now() / 1000),
    newSegmentId: () => newSegmentIdWith(core),
    Sampler,
    Tracer,
    liveNodes: () => core.x.liveNodes(),
    memoryBytes: () => core.x.memory.buffer.byteLength,
    core,
  };
}
