/**
 * The segments Powertools Tracer hands out (`getSegment()`, and takes back in `setSegment`) are
 * aws-xray-sdk-core's Segment and Subsegment objects, and manual instrumentation calls their
 * methods: `addNewSubsegment`, `close`, `addAnnotation`, `addMetadata`, `addError`, the flags.
 * `PowertoolsSegment` gives those methods over an xray-edge entity, so that such code runs
 * unchanged. `FrameEntity` is what xray-edge's context holds while a captured handler or method
 * runs: an entity whose target `setSegment` can change, so that xray-edge/fetch and
 * xray-edge/aws-sdk follow Powertools' current segment.
 */
import type { AnnotationValue, HttpData, SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { inert } from "../context/inert.ts";

/** Says a message once per kind (set by the tracer: its logger, AWS_XRAY_LOG_LEVEL). */
export type Say = (kind: string, message: string) => void;

/** An aws-xray-sdk-core style handle on an xray-edge segment or subsegment. */
export class PowertoolsSegment {
  /** The name it was begun with (`## index.handler`, `### getItem`, `facade`). */
  readonly name: string;
  /** True for the invocation's facade: Lambda records the function's segment, not the SDK. */
  readonly facade: boolean;
  readonly #raw: TraceEntity;
  readonly #say: Say;
  #closed = false;

  /** @internal */
  constructor(raw: TraceEntity, name: string, facade: boolean, say: Say) {
    this.#raw = raw;
    this.name = name;
    this.facade = facade;
    this.#say = say;
  }

  /** @internal The xray-edge entity behind this handle. */
  static raw(segment: PowertoolsSegment): TraceEntity {
    return segment.#raw;
  }

  get id(): string {
    return this.#raw.id;
  }

  get trace_id(): string {
    return this.#raw.traceId;
  }

  /** As aws-xray-sdk-core: true when nothing of it is sent (an unsampled trace, no trace). */
  get notTraced(): boolean {
    return !this.#raw.sampled;
  }

  /** The `X-Amzn-Trace-Id` to send downstream with this segment as the parent ("" without a trace). */
  get traceHeader(): string {
    return this.#raw.traceHeader;
  }

  addNewSubsegment(name: string): PowertoolsSegment {
    return new PowertoolsSegment(this.#raw.beginSubsegment(name), typeof name === "string" ? name : String(name), false, this.#say);
  }

  addAnnotation(key: string, value: AnnotationValue): void {
    if (this.#refusedOnFacade("addAnnotation")) return;
    this.#raw.addAnnotation(key, value);
  }

  addMetadata(key: string, value: unknown, namespace?: string): void {
    if (this.#refusedOnFacade("addMetadata")) return;
    this.#raw.addMetadata(key, value, namespace ?? "default");
  }

  /** Records `error` as the cause and sets the fault flag (as aws-xray-sdk-core does for a local error). */
  addError(error: unknown, remote?: boolean): void {
    if (this.#refusedOnFacade("addError")) return;
    this.#raw.addError(error, { remote: remote === true });
  }

  addErrorFlag(): void {
    if (!this.#refusedOnFacade("addErrorFlag")) this.#raw.addErrorFlag();
  }

  addFaultFlag(): void {
    if (!this.#refusedOnFacade("addFaultFlag")) this.#raw.addFaultFlag();
  }

  addThrottleFlag(): void {
    if (!this.#refusedOnFacade("addThrottleFlag")) this.#raw.addThrottleFlag();
  }

  setHttp(data: HttpData): void {
    if (!this.#refusedOnFacade("setHttp")) this.#raw.setHttp(data);
  }

  /** Closes it (which sends it); with `error`, records it first, as aws-xray-sdk-core's close(err, remote). */
  close(error?: unknown, remote?: boolean): void {
    if (this.facade) return; // Lambda closes the function's segment
    if (error !== undefined && error !== null) this.#raw.addError(error, { remote: remote === true });
    this.#closed = true;
    this.#raw.close();
  }

  isClosed(): boolean {
    return this.facade || this.#closed;
  }

  #refusedOnFacade(what: string): boolean {
    if (!this.facade) return false;
    this.#say(`facade:${what}`, `${what} cannot be called on the Lambda function's segment (Lambda records it): use a subsegment`);
    return true;
  }
}

/** The mutable slot `setSegment` writes: one per captured handler or method run, one per invocation. */
export interface Frame {
  /** Undefined: not set in this frame (the frame's parent decides). */
  entity: PowertoolsSegment | undefined;
}

/**
 * What xray-edge's context holds while a captured handler or method runs: each call goes to the
 * frame's current segment, so `setSegment` inside moves xray-edge/fetch and xray-edge/aws-sdk too.
 */
export class FrameEntity implements TraceEntity {
  constructor(
    readonly frame: Frame,
    private readonly fallback: () => PowertoolsSegment,
  ) {}

  /** The frame's segment (the slot's when unset). */
  current(): PowertoolsSegment {
    return this.frame.entity ?? this.fallback();
  }

  private get target(): TraceEntity {
    try {
      return PowertoolsSegment.raw(this.current());
    } catch {
      return inert;
    }
  }

  get sampled(): boolean {
    return this.target.sampled;
  }
  get id(): string {
    return this.target.id;
  }
  get traceId(): string {
    return this.target.traceId;
  }
  get traceHeader(): string {
    return this.target.traceHeader;
  }
  beginSubsegment(name: string, options?: SubsegmentOptions): TraceEntity {
    return this.target.beginSubsegment(name, options);
  }
  addAnnotation(key: string, value: AnnotationValue): void {
    this.target.addAnnotation(key, value);
  }
  addMetadata(key: string, value: unknown, namespace?: string): void {
    this.target.addMetadata(key, value, namespace);
  }
  addError(error: unknown, options?: { remote?: boolean }): void {
    this.target.addError(error, options);
  }
  setHttp(data: HttpData): void {
    this.target.setHttp(data);
  }
  setAws(data: Record<string, unknown>): void {
    this.target.setAws(data);
  }
  setSql(data: Record<string, unknown>): void {
    this.target.setSql(data);
  }
  addFaultFlag(): void {
    this.target.addFaultFlag();
  }
  addErrorFlag(): void {
    this.target.addErrorFlag();
  }
  addThrottleFlag(): void {
    this.target.addThrottleFlag();
  }
  close(): void {
    // the frame's segment is closed by whoever began it
  }
}
