import { E_CAP, E_DECIDE, F_FACADE, F_STREAM, M_ORIGIN, M_SERVICE } from "./assembly/shared.ts";
import type { Clock } from "./clock.ts";
import { defaultXRay } from "./default.ts";
import type { Emitter } from "./emitter.ts";
import { type EntityInit, Segment } from "./entity.ts";
import { carriedFields, formatTraceHeader, headerText, type TraceHeader } from "./header.ts";
import { consoleLogger, type Logger, Warnings } from "./log.ts";
import { hasMethods, isRecord, optionError } from "./options.ts";
import { Recorder, type TracerStats } from "./recorder.ts";
import { Sampler, type SamplingRequest } from "./sampler.ts";
import { safeStringify } from "./serialize.ts";
import type { XRay } from "./xray.ts";

/** Anything that decides sampling: the local `Sampler`, or a centralized one. */
export interface SamplingStrategy {
  shouldSample(request?: SamplingRequest): { sampled: boolean; rule: string };
}

export interface TracerOptions {
  /** The service's name: the sampling rules' service name, and the default segment name. */
  serviceName?: string;
  /** Where finished documents go. Without one, nothing is sent (and stats().failed counts it). */
  emitter?: Emitter;
  /** Decides for traces the incoming header leaves open. Default: 1 per second, then 5%. */
  sampler?: SamplingStrategy;
  /** Epoch seconds, fractional. Default: the core's clock. */
  clock?: Clock;
  /** `origin` of every segment, e.g. "AWS::Lambda::Function". */
  origin?: string;
  /** `service` of every segment, e.g. { version: "1.2.3" }. */
  service?: Record<string, unknown>;
  /** Receives warnings (each kind once). Default: console.warn. */
  logger?: Logger;
  /** `cause.working_directory` of recorded errors. Default: the core's platform's (the process's cwd on servers). */
  workingDirectory?: string;
  /** The core to record on (`createXRay()`). Default: the package's core. */
  xray?: XRay;
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
  /**
   * With `facade`: every subsegment, nested ones too, is sent as its own document when it closes,
   * as aws-xray-sdk-core streams them in Lambda (xray-edge/sdk-core), rather than with its parent.
   */
  stream?: boolean;
}

/**
 * Formats, once per segment, the fields every entity's traceHeader carries downstream (Lineage and
 * unknown extras), dropping what propagation must not send (carriedFields). A header with
 * neither, the usual case, never gets here from beginFromHeader (core.header is undefined).
 */
function carried(h: TraceHeader | undefined): string {
  if (h === undefined || (h.lineage === undefined && Object.keys(h.extra).length === 0)) return "";
  return carriedFields(h.lineage, h.extra);
}

function checkOptions(options: TracerOptions): void {
  const where = "new Tracer";
  if (!isRecord(options)) throw optionError(where, "options", "an object", options);
  const o = options;
  const text = (name: "serviceName" | "origin" | "workingDirectory") => {
    if (o[name] !== undefined && typeof o[name] !== "string") throw optionError(where, name, "a string", o[name]);
  };
  text("serviceName");
  text("origin");
  text("workingDirectory");
  if (o.emitter !== undefined && !hasMethods(o.emitter, "send", "flush"))
    throw optionError(where, "emitter", "an Emitter: { send(datagram), flush() }", o.emitter);
  if (o.sampler !== undefined && !hasMethods(o.sampler, "shouldSample"))
    throw optionError(where, "sampler", "a SamplingStrategy: { shouldSample(request) }", o.sampler);
  if (o.logger !== undefined && !hasMethods(o.logger, "warn")) throw optionError(where, "logger", "a Logger: { warn(message) }", o.logger);
  if (o.clock !== undefined && typeof o.clock !== "function")
    throw optionError(where, "clock", "a function returning epoch seconds", o.clock);
  if (o.service !== undefined) {
    if (!isRecord(o.service)) throw optionError(where, "service", 'an object such as { version: "1.2.3" }', o.service);
    if (o.service.version !== undefined && typeof o.service.version !== "string")
      throw optionError(where, "service.version", "a string", o.service.version);
  }
  if (o.xray !== undefined && !(isRecord(o.xray) && "core" in o.xray && "reclaim" in o.xray))
    throw optionError(where, "xray", "a core made by createXRay()", o.xray);
}

/**
 * Builds segments and sends their documents through an emitter. `beginSegment` decides sampling
 * (an incoming Sampled=1 or 0 is obeyed, otherwise the sampler decides) and returns a handle;
 * closing it sends its document.
 */
export class Tracer {
  readonly serviceName: string | undefined;
  readonly sampler: SamplingStrategy;
  /** @internal */ readonly _rec: Recorder;
  readonly #origin: string | undefined;
  readonly #serviceJson: string | undefined;

  constructor(options: TracerOptions = {}) {
    checkOptions(options);
    const xray = options.xray ?? defaultXRay();
    const clock = options.clock ?? xray.platform.clock;
    const warnings = new Warnings(options.logger ?? consoleLogger);
    let dir = options.workingDirectory;
    if (dir === undefined) {
      try {
        dir = xray.platform.workingDirectory?.();
      } catch {
        dir = undefined;
      }
    }
    this._rec = new Recorder(xray, options.emitter, clock, warnings, typeof dir === "string" ? dir : "");
    this.serviceName = options.serviceName;
    this.sampler = options.sampler ?? new Sampler({ xray, clock });
    this.#origin = options.origin;
    this.#serviceJson = options.service ? safeStringify(options.service) : undefined;
  }

  beginSegment(name?: string, options: BeginSegmentOptions = {}): Segment {
    const rec = this._rec;
    try {
      return this.#begin(name ?? this.serviceName ?? "", isRecord(options) ? options : {});
    } catch (error) {
      rec.failed(error);
      return new Segment({ rec, sampled: false, slot: -1, gen: 0, idHigh: 0, idLow: 0, carry: "" }, undefined);
    }
  }

  #begin(rawName: unknown, options: BeginSegmentOptions): Segment {
    const rec = this._rec;
    const core = rec.core;
    const name = rec.name(rawName);
    const raw = options.traceHeader;
    const facade = options.facade === true ? F_FACADE | (options.stream === true ? F_STREAM : 0) : 0;
    const now = rec.now();
    let header: TraceHeader | undefined;
    if (headerText(raw)) {
      // The common case in one core call: the core parses the header where it was written and,
      // when it says Sampled=1, begins the segment on its Root and Parent.
      const slot = core.beginFromHeader(raw, name, now, facade);
      if (slot >= 0) return this.#started(slot, core.begun.traceId, carried(core.header), !facade);
      if (slot === E_CAP) {
        // Counted once: the core holds its cap, so no other path could record this segment.
        rec.status(slot, "beginSegment");
        return this.#unsampled(core.header?.root, carried(core.header));
      }
      if (slot === E_DECIDE) header = core.header;
    } else if (isRecord(raw) && typeof raw.root === "string") {
      // An object header is normalized through the parser too, so a malformed root is refused
      // the same way in both forms (and the core and this handle agree on the trace ID).
      header = core.parseHeader(formatTraceHeader({ ...raw, extra: isRecord(raw.extra) ? raw.extra : {} } as TraceHeader));
    }
    const carry = carried(header);
    // A facade is recorded only on a header with Root, Parent and Sampled=1 (text ones the core
    // began above): on any other it stands for nothing, and no sampler decides in Lambda's place.
    if (facade && !(header?.sampled === true && header.parent !== undefined)) return this.#unsampled(header?.root, carry);
    let sampled: boolean;
    if (header?.sampled === true || header?.sampled === false) sampled = header.sampled;
    else sampled = this.#decide(options.request);
    if (!sampled) return this.#unsampled(header?.root, carry);
    const slot = core.begin(-1, 0, name, now, facade, header?.root, header?.parent);
    if (slot < 0) {
      rec.status(slot, "beginSegment");
      return this.#unsampled(header?.root, carry);
    }
    return this.#started(slot, header?.root ?? core.begun.traceId, carry, !facade);
  }

  #decide(request: SamplingRequest | undefined): boolean {
    const r = isRecord(request) ? request : {};
    try {
      const d = this.sampler.shouldSample(
        r.serviceName === undefined && this.serviceName !== undefined ? { ...r, serviceName: this.serviceName } : r,
      );
      return d?.sampled === true;
    } catch (error) {
      this._rec.failed(error);
      return false;
    }
  }

  #unsampled(traceId: string | undefined, carry: string): Segment {
    return new Segment({ rec: this._rec, sampled: false, slot: -1, gen: 0, idHigh: 0, idLow: 0, carry }, traceId);
  }

  /** The handle of a segment the core just began (its report in core.begun). */
  #started(slot: number, traceId: string | undefined, carry: string, counted: boolean): Segment {
    const rec = this._rec;
    const b = rec.core.begun;
    const init: EntityInit = { rec, sampled: true, slot, gen: b.gen, idHigh: b.idHigh, idLow: b.idLow, carry };
    const segment = new Segment(init, traceId);
    if (counted) rec.counters.entitiesBegun++;
    if (this.#origin !== undefined) rec.member(slot, init.gen, M_ORIGIN, JSON.stringify(this.#origin));
    if (this.#serviceJson !== undefined) rec.member(slot, init.gen, M_SERVICE, this.#serviceJson);
    return segment;
  }

  /** Counters since the tracer was made (see TracerStats). */
  stats(): TracerStats {
    return { ...this._rec.counters };
  }

  /** Resolves when the emitter has sent everything handed to it; never rejects. */
  flush(): Promise<void> {
    try {
      const emitter = this._rec.emitter;
      return emitter ? Promise.resolve(emitter.flush()).catch(() => undefined) : Promise.resolve();
    } catch {
      return Promise.resolve();
    }
  }
}
