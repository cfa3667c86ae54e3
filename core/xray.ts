/**
 * One core instance and the platform it was given: entropy, clock, working directory and file
 * reading come from the adapter (adapters/host for the package's default instance), never from
 * the core itself.
 */
import { type Core, type Entropy, instantiate } from "./abi.ts";
import { type Clock, webClock } from "./clock.ts";
import { formatTraceHeader, headerText, type TraceHeader } from "./header.ts";
import { MAX_ENTITIES_LIMIT } from "./limits.ts";
import { optionError } from "./options.ts";

/** What the host runtime gives the core. Every member is optional: web-standard defaults apply. */
export interface Platform {
  /** Fills a view with secure random bytes. Default: crypto.getRandomValues. */
  entropy?: Entropy;
  /** Epoch seconds, fractional. Default: performance.now() from its time origin, else Date.now(). */
  clock?: Clock;
  /** `cause.working_directory` of recorded errors. Default: none. */
  workingDirectory?: () => string | undefined;
  /** Reads a sampling-rules file by path. Default: none (rules are passed as objects or JSON text). */
  readTextFile?: (path: string) => string;
}

export interface XRayOptions extends Platform {
  /** The compiled core. Default: the embedded core.wasm (workerd passes its imported module). */
  module?: WebAssembly.Module;
  /** Cap on live segments and subsegments in this core (default DEFAULT_MAX_ENTITIES). */
  maxEntities?: number;
}

/** @internal What an entity's handle registers for reclaiming when it is collected unclosed. */
export interface Tracked {
  counters: { abandoned: number };
  slot: number;
  gen: number;
  /** Says once that entities were abandoned (the tracer's logger). */
  warn: (freed: number) => void;
}

/** @internal What the core frees when its owner is collected: an entity, a Sampler's rules, centralized rules. */
export type Reclaimed = Tracked | number | { central: number };

/** Everything the package exports that needs a core, bound to one core instance. */
export interface XRay {
  parseTraceHeader(header: string): TraceHeader | undefined;
  formatTraceHeader(header: TraceHeader): string;
  newTraceId(): string;
  newSegmentId(): string;
  /** Segments and subsegments alive in the core (open, or waiting for their document). */
  liveNodes(): number;
  /** wasm memory in bytes. */
  memoryBytes(): number;
  /** Rule sets alive in the core (one per live Sampler). */
  liveSamplers(): number;
  /** @internal */ readonly core: Core;
  /** @internal */ readonly platform: Required<Omit<Platform, "readTextFile" | "workingDirectory">> & Platform;
  /** @internal Reclaims entities collected unclosed, and samplers collected. */
  readonly reclaim: FinalizationRegistry<Reclaimed>;
}

const MAX_ENTROPY_CALL = 65536;

/** The OS CSPRNG, in chunks getRandomValues accepts. */
export function cryptoEntropy(bytes: Uint8Array<ArrayBuffer>): void {
  for (let i = 0; i < bytes.length; i += MAX_ENTROPY_CALL) {
    crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + MAX_ENTROPY_CALL)));
  }
}

function checkOptions(options: XRayOptions): void {
  if (typeof options !== "object" || options === null) throw optionError("createXRay", "options", "an object", options);
  const fn = (name: keyof XRayOptions) => {
    if (options[name] !== undefined && typeof options[name] !== "function")
      throw optionError("createXRay", name, "a function", options[name]);
  };
  fn("entropy");
  fn("clock");
  fn("workingDirectory");
  fn("readTextFile");
  if (options.module !== undefined && !(options.module instanceof WebAssembly.Module)) {
    throw optionError("createXRay", "module", "a WebAssembly.Module", options.module);
  }
  const max = options.maxEntities;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1 && max <= MAX_ENTITIES_LIMIT)) {
    throw optionError("createXRay", "maxEntities", `an integer from 1 to ${MAX_ENTITIES_LIMIT}`, max);
  }
}

/** A separate core instance with its own platform (`module` compiled already). */
export function createXRayWith(module: WebAssembly.Module, options: XRayOptions = {}): XRay {
  checkOptions(options);
  const entropy = options.entropy ?? cryptoEntropy;
  const core = instantiate(module, entropy);
  if (options.maxEntities !== undefined) core.setMaxEntities(options.maxEntities);
  const clock = options.clock ?? webClock;
  const reclaim = newRegistry<Reclaimed>((held) => {
    try {
      if (typeof held === "number") return core.samplerFree(held);
      if ("central" in held) return core.centralFree(held.central);
      const freed = core.abandon(held.slot, held.gen);
      if (freed > 0) {
        held.counters.abandoned += freed;
        held.warn(freed);
      }
    } catch {
      // a finalizer that throws would reach the host as an uncaught error
    }
  });
  return {
    parseTraceHeader: (header) => (headerText(header) ? core.parseHeader(header) : undefined),
    formatTraceHeader,
    // A trace ID needs whole seconds only: Date.now() is half the cost of the microsecond clock.
    newTraceId: () => core.newTraceId(options.clock ? safeSeconds(options.clock) : Date.now() / 1000),
    newSegmentId: () => core.newSegmentId(),
    liveNodes: () => core.liveNodes(),
    memoryBytes: () => core.memoryBytes(),
    liveSamplers: () => core.samplerCount(),
    core,
    platform: { ...options, entropy, clock },
    reclaim,
  };
}

/** A FinalizationRegistry, or one that never fires where the runtime has none. */
function newRegistry<T>(cleanup: (held: T) => void): FinalizationRegistry<T> {
  if (typeof FinalizationRegistry === "function") return new FinalizationRegistry<T>(cleanup);
  return { register() {}, unregister: () => false, [Symbol.toStringTag]: "FinalizationRegistry" } as FinalizationRegistry<T>;
}

/** A clock's reading, or the system's when it throws or returns something that is not a time. */
export function safeSeconds(clock: Clock): number {
  try {
    const t = clock();
    if (typeof t === "number" && Number.isFinite(t)) return t;
  } catch {
    // fall through
  }
  return Date.now() / 1000;
}
