import {
  B_TRACE_GIVEN,
  BEGIN_PARENT_AT,
  BEGIN_NAME_AT,
  E_DECIDE,
  F_FACADE,
  F_HAS_PARENT,
  M_ORIGIN,
  M_SERVICE,
  M_USER,
  R_BEGIN_GEN,
} from "./abi.ts";
import type { Core } from "./abi.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import { Entity } from "./entity.ts";
import {
  type TraceHeader,
  MAX_HEADER_LENGTH,
  formatTraceHeader,
  headerText,
  parseTraceHeaderWith,
  parsedHasCarry,
  parsedRoot,
  readParsedHeader,
} from "./header.ts";
import { newTraceIdWith } from "./ids.ts";
import { type Logger, Warnings, consoleLogger } from "./log.ts";
import type { SamplingRequest } from "./sampler.ts";
import { safeStringify } from "./serialize.ts";
import { TracerCore, type TracerStats } from "./tracer-core.ts";
import { writeName } from "./names.ts";
import { member } from "./record.ts";

/** Anything that decides sampling: the local `Sampler`, or a centralized one later. */
export interface SamplingStrategy {
  shouldSample(request?: SamplingRequest): { sampled: boolean; rule: string };
}

export interface TracerOptions {
  /** The service's name: the sampling rules' service name, and the default segment name. */
  serviceName?: string;
  /** Where finished documents go. Without one, nothing is sent. */
  emitter?: Emitter;
  /** Decides for traces the incoming header leaves open. Default: 1 per second, then 5%. */
  sampler?: SamplingStrategy;
  /** Epoch seconds, fractional. Default: the system clock with microseconds. */
  clock?: Clock;
  /** `origin` of every segment, e.g. "AWS::Lambda::Function". */
  origin?: string;
  /** `service` of every segment, e.g. { version: "1.2.3" }. */
  service?: Record<string, unknown>;
  /** Receives warnings (each kind once). Default: console.warn. */
  logger?: Logger;
  /** `cause.working_directory` of recorded errors. Default: process.cwd() where it exists. */
  workingDirectory?: string;
}

export interface BeginSegmentOptions {
  /** The incoming `X-Amzn-Trace-Id` (text or parsed): joins its trace and obeys Sampled=1/0. */
  traceHeader?: string | TraceHeader;
  /** Request attributes for the sampling rules. */
  request?: SamplingRequest;
  /**
   * Lambda: the segment stands for the one Lambda records itself. It is never sent; each of its
   * subsegments is sent as its own document when it closes. Recorded only on a header with Root,
   * Parent and Sampled=1; on any other header, or none, the segment is not sampled (the sampler is
   * not asked: Lambda made the decision).
   */
  facade?: boolean;
}

export class Segment extends Entity {
  private trace: string | undefined;

  /**
   * @internal `traceId`: the incoming header's root; undefined when the core generated one (it is
   * then read right after segBegin) or, unsampled, generated when first needed.
   */
  constructor(t: TracerCore, sampled: boolean, slot: number, gen: number, traceId: string | undefined, carry: string) {
    super(t, sampled, slot, gen);
    this.trace = traceId === undefined && slot >= 0 ? t.core.read(t.core.idAt, 35) : traceId;
    this.carry = carry;
  }

  get traceId(): string {
    return (this.trace ??= newTraceIdWith(this.t.core, this.t.clock()));
  }

  /** Sets `user`, the user who made the request. */
  setUser(user: string): void {
    this.setMember(M_USER, String(user));
  }
}

/** Sampler bound to a tracer's core when none is given (so the default pool is shared). */
export type DefaultSamplerFactory = (core: Core, clock: Clock) => SamplingStrategy;

/** Input bytes a header may take (8192 characters of UTF-8). */
const HEADER_INPUT = MAX_HEADER_LENGTH * 3;

/** Formats the fields carried downstream unchanged (Lineage and unknown extras). */
function carried(h: TraceHeader): string {
  if (h.lineage === undefined && Object.keys(h.extra).length === 0) return "";
  const s = formatTraceHeader({ root: "", lineage: h.lineage, extra: h.extra });
  return s.slice("Root=".length);
}

/**
 * Builds segments over one core. `beginSegment` decides sampling (an incoming Sampled=1 or 0 is
 * obeyed, otherwise the sampler decides) and returns a handle; closing it sends its document.
 */
export class TracerWith {
  /** @internal */ readonly t: TracerCore;
  readonly serviceName: string | undefined;
  readonly sampler: SamplingStrategy;
  private readonly origin: string | undefined;
  private readonly serviceJson: string | undefined;

  constructor(core: Core, options: TracerOptions, defaultSampler: DefaultSamplerFactory) {
    const clock = options.clock ?? systemClock;
    this.t = new TracerCore(core, options.emitter, clock, new Warnings(options.logger ?? consoleLogger), options.workingDirectory);
    this.serviceName = options.serviceName;
    this.sampler = options.sampler ?? defaultSampler(core, clock);
    this.origin = options.origin;
    this.serviceJson = options.service ? safeStringify(options.service) : undefined;
  }

  beginSegment(name?: string, options: BeginSegmentOptions = {}): Segment {
    try {
      return this.begin(name ?? this.serviceName ?? "", options);
    } catch (error) {
      this.t.failed(error);
      return new Segment(this.t, false, -1, 0, undefined, "");
    }
  }

  private begin(name: string, options: BeginSegmentOptions): Segment {
    const t = this.t;
    const core = t.core;
    const raw = options.traceHeader;
    const facade = options.facade ? F_FACADE : 0;
    const now = t.clock();
    let header: TraceHeader | undefined;
    if (headerText(raw)) {
      // The common case in one core call: the core parses the header where it was written and,
      // when it says Sampled=1, begins the segment on its Root and Parent.
      const headerLen = core.write(raw, 0, HEADER_INPUT);
      const nameLen = writeName(core, name, headerLen);
      const slot = core.x.segBeginHeader(headerLen, headerLen, nameLen, now, facade);
      if (slot >= 0) {
        const carry = parsedHasCarry(core) ? carried(readParsedHeader(core, raw, headerLen)) : "";
        return this.started(slot, parsedRoot(core, raw, headerLen), carry);
      }
      if (slot === E_DECIDE) header = readParsedHeader(core, raw, headerLen);
    } else if (raw !== undefined && typeof raw === "object") {
      // An object header is normalized through the parser too, so a malformed root is refused
      // the same way in both forms (and the core and this handle agree on the trace ID).
      header = parseTraceHeaderWith(core, formatTraceHeader(raw));
    }
    // A facade is recorded only on a header with Root, Parent and Sampled=1 (text ones the core
    // began above): on any other it stands for nothing, and no sampler decides in Lambda's place.
    if (facade && !(header?.sampled === true && header.parent !== undefined))
      return new Segment(t, false, -1, 0, header?.root, header ? carried(header) : "");
    let sampled: boolean;
    if (header?.sampled === true || header?.sampled === false) sampled = header.sampled;
    else {
      const request = options.request ?? {};
      sampled = this.sampler.shouldSample(
        request.serviceName === undefined && this.serviceName !== undefined ? { ...request, serviceName: this.serviceName } : request,
      ).sampled;
    }
    const carry = header ? carried(header) : "";
    if (!sampled) return new Segment(t, false, -1, 0, header?.root, carry);
    let flags = facade;
    if (header) {
      flags |= B_TRACE_GIVEN;
      core.write(header.root, 0, 35);
      if (header.parent !== undefined) {
        flags |= F_HAS_PARENT;
        core.write(header.parent, BEGIN_PARENT_AT, 16);
      }
    }
    const nameLen = writeName(core, name, BEGIN_NAME_AT);
    const slot = core.x.segBegin(-1, 0, nameLen, now, flags);
    return this.started(slot, header?.root, carry);
  }

  /** The handle of a segment the core just began; `traceId` undefined: the core generated one. */
  private started(slot: number, traceId: string | undefined, carry: string): Segment {
    const segment = new Segment(this.t, true, slot, this.t.core.slot(R_BEGIN_GEN), traceId, carry);
    if (this.origin !== undefined) member(segment, M_ORIGIN, JSON.stringify(this.origin));
    if (this.serviceJson !== undefined) member(segment, M_SERVICE, this.serviceJson);
    return segment;
  }

  /** Counters since the tracer was made. */
  stats(): TracerStats {
    return { sent: this.t.sent, refused: this.t.refused, stale: this.t.stale };
  }

  /** Resolves when the emitter has sent everything handed to it. */
  flush(): Promise<void> {
    try {
      return this.t.emitter ? this.t.emitter.flush().catch(() => undefined) : Promise.resolve();
    } catch {
      return Promise.resolve();
    }
  }
}
