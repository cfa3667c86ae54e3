/**
 * aws-xray-sdk-core's `Segment` and `Subsegment`, as thin handles over xray-edge's entities: the
 * peer's methods (`addNewSubsegment`, `addAnnotation`, `addMetadata`, `addError(err, remote)`,
 * the flags, `close(err, remote)`, `isClosed`) record through the core, and each handle is also a
 * TraceEntity, so xray-edge's own adapters (context, fetch, aws-sdk) nest under it and it under
 * theirs. Nothing here throws into the caller (the peer's constructors do not either).
 */
import type { AnnotationValue, HttpData, SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { newTraceId } from "../host/index.ts";
import type { ClientRequest, IncomingMessage } from "node:http";
import { type IncomingRequestData, remoteRequest, responseData } from "./http-data.ts";
import { enabled, log, logOnce, tracer } from "./state.ts";

type Bag = Record<string, unknown>;

/** Native entity → its handle, so that one entity always has one handle (and `===` holds). */
const handles = new WeakMap<object, Base>();

/** Set while a handle adopts an existing entity (see adopt): the constructors then begin nothing. */
let adopting: { entity: TraceEntity; parent: Base | undefined; facade: boolean; namespace?: string | undefined } | undefined;

/** A detached entity for `new Subsegment(name)`, which the core cannot attach later (see addSubsegment). */
const DETACHED: TraceEntity = {
  sampled: false,
  id: "",
  traceId: "",
  traceHeader: "",
  beginSubsegment: () => DETACHED,
  addAnnotation() {},
  addMetadata() {},
  addError() {},
  setHttp() {},
  setAws() {},
  setSql() {},
  addFaultFlag() {},
  addErrorFlag() {},
  addThrottleFlag() {},
  close() {},
};

/**
 * Runs one call on the entity: a core entity never throws, but one of the caller's in context (put
 * there through xray-edge/context's withSegment) may, and that must not reach the caller.
 */
function guard(call: () => void): void {
  try {
    call();
  } catch {
    // not recorded
  }
}

/** What Segment and Subsegment share: the peer's recording methods over one native entity. */
abstract class Base implements TraceEntity {
  /** @internal */ readonly _entity: TraceEntity;
  readonly name: string;
  #closed = false;

  protected constructor(name: string, entity: TraceEntity) {
    this.name = typeof name === "string" ? name : String(name);
    this._entity = entity;
    if (entity !== DETACHED) handles.set(entity, this);
  }

  /** Lambda's facade records nothing itself (see Segment). */
  protected refuses(_what: string): boolean {
    return false;
  }

  get id(): string {
    return this._entity.id;
  }
  get sampled(): boolean {
    return this._entity.sampled;
  }
  /** The peer's flag for an entity that is not sampled. */
  get notTraced(): boolean {
    return !this._entity.sampled;
  }
  get traceId(): string {
    return this._entity.traceId;
  }
  get trace_id(): string {
    return this._entity.traceId;
  }
  get traceHeader(): string {
    return this._entity.traceHeader;
  }
  get in_progress(): boolean {
    return !this.#closed;
  }

  /** A new subsegment of this one, recorded and sent as the core does (Lambda: when it closes). */
  addNewSubsegment(name: string): Subsegment {
    return this.beginSubsegment(name);
  }

  /** The peer's subsegment for a call whose trace is not sampled: the core already knows it is not. */
  addNewSubsegmentWithoutSampling(name: string): Subsegment {
    return this.beginSubsegment(name);
  }

  /** TraceEntity's form (xray-edge's adapters call this): the handle of the new subsegment. */
  beginSubsegment(name: string, options?: SubsegmentOptions): Subsegment {
    let entity: TraceEntity;
    try {
      entity = this._entity.beginSubsegment(name, options);
    } catch {
      entity = DETACHED;
    }
    let namespace: string | undefined;
    try {
      namespace = options?.namespace;
    } catch {
      namespace = undefined;
    }
    return make(() => new Subsegment(name), { entity, parent: this, facade: false, namespace });
  }

  /**
   * The peer attaches a subsegment made by `new Subsegment(name)`; the core records a subsegment
   * where it begins, so this is not carried over (docs/compatibility.md): said once, nothing done.
   */
  addSubsegment(_subsegment: Subsegment): void {
    logOnce("addSubsegment", "warn", "addSubsegment is not supported by xray-edge/sdk-core: use addNewSubsegment(name)");
  }
  addSubsegmentWithoutSampling(subsegment: Subsegment): void {
    this.addSubsegment(subsegment);
  }
  /** Streaming is the core's (a closed subsegment is sent as the core decides): nothing to remove. */
  removeSubsegment(_subsegment: Subsegment): void {}

  addAnnotation(key: string, value: boolean | string | number | AnnotationValue): void {
    if (this.refuses("addAnnotation")) return;
    guard(() => this._entity.addAnnotation(key, value));
  }

  /** As the peer: null and undefined are recorded as "". */
  addMetadata(key: string, value: any, namespace?: string): void {
    if (this.refuses("addMetadata")) return;
    if (typeof key !== "string")
      return log("error", `Failed to add metadata key: ${String(key)} to ${this.name}. Key must be of type string.`);
    if (namespace !== undefined && namespace !== null && typeof namespace !== "string")
      return log("error", `Failed to add metadata key: ${key} to ${this.name}. Namespace must be of type string.`);
    guard(() => this._entity.addMetadata(key, value === null || value === undefined ? "" : value, namespace || "default"));
  }

  /**
   * Records `err` (an Error, or a string as its message) in `cause` and sets the fault flag;
   * `remote: true` marks an error returned by a downstream service. Anything else is refused with
   * a logged error, as by the peer. TraceEntity's `{ remote }` form is accepted too.
   */
  addError(err: Error | string | unknown, remote?: boolean | { remote?: boolean }): void {
    if (this.refuses("addError")) return;
    if (err === null || err === undefined || (typeof err !== "object" && typeof err !== "string"))
      return log("error", `Failed to add error: ${String(err)} to ${this.name}. Not an object or string literal.`);
    let r = false;
    try {
      r = typeof remote === "object" && remote !== null ? remote.remote === true : remote === true;
    } catch {
      r = false;
    }
    guard(() => this._entity.addError(err, { remote: r }));
  }

  addFaultFlag(): void {
    if (!this.refuses("addFaultFlag")) guard(() => this._entity.addFaultFlag());
  }
  addErrorFlag(): void {
    if (!this.refuses("addErrorFlag")) guard(() => this._entity.addErrorFlag());
  }
  addThrottleFlag(): void {
    if (!this.refuses("addThrottleFlag")) guard(() => this._entity.addThrottleFlag());
  }

  setHttp(data: HttpData): void {
    if (!this.refuses("setHttp")) guard(() => this._entity.setHttp(data));
  }
  setAws(data: Bag): void {
    if (!this.refuses("setAws")) guard(() => this._entity.setAws(data));
  }
  setSql(data: Bag): void {
    if (!this.refuses("setSql")) guard(() => this._entity.setSql(data));
  }
  addSqlData(sqlData: Bag): void {
    this.setSql(sqlData);
  }

  /** The peer's way to set `aws`, `http` or `sql`; other attributes are not carried over (said once). */
  addAttribute(name: string, data: any): void {
    if (name === "aws") this.setAws(data);
    else if (name === "http") this.setHttp(data);
    else if (name === "sql") this.setSql(data);
    else
      logOnce(
        `attribute:${String(name).slice(0, 40)}`,
        "warn",
        `addAttribute("${String(name).slice(0, 40)}") is not supported by xray-edge/sdk-core`,
      );
  }

  /**
   * Closes this segment or subsegment; `err`, when given, is recorded first (with `remote`), as
   * by the peer. A segment is then sent with its subsegments; in Lambda, a subsegment is sent.
   */
  close(err?: Error | string | null, remote?: boolean): void {
    if (err !== undefined && err !== null && (err as unknown) !== "") this.addError(err, remote);
    if (this.refuses("")) return;
    this.#closed = true;
    guard(() => this._entity.close());
  }

  isClosed(): boolean {
    return this.#closed;
  }

  /** The peer sends at once; the core sends an open entity in progress (a closed one went already). */
  flush(): void {
    if (this.#closed || this.refuses("")) return;
    try {
      (this._entity as { sendInProgress?: () => void }).sendInProgress?.();
    } catch {
      // tracing never breaks the program
    }
  }

  /** The peer counts open subsegments to stream them; the core streams on its own. */
  incrementCounter(_additional?: number): void {}
  decrementCounter(): void {}
}

/**
 * A segment: `new Segment(name, rootId?, parentId?)` begins one, sampled (as the peer's are:
 * sampling is the middleware's), in a new trace unless `rootId` names one. In Lambda,
 * getSegment() returns the invocation's facade, which records nothing itself: its recording
 * methods warn, as the peer's facade does, and only its subsegments are sent.
 */
export class Segment extends Base {
  readonly parent_id: string | undefined;
  #incoming: IncomingRequestData | undefined;
  /** True for Lambda's stand-in for the segment Lambda records (the peer marks its facade so too). */
  readonly facade: boolean;

  constructor(name: string, rootId?: string | null, parentId?: string | null) {
    const a = adopting;
    adopting = undefined;
    let entity: TraceEntity;
    if (a) entity = a.entity;
    else {
      try {
        const root = typeof rootId === "string" && rootId !== "" ? rootId : newTraceId();
        const parent = typeof parentId === "string" && parentId !== "" ? parentId : undefined;
        entity = tracer().beginSegment(typeof name === "string" ? name : String(name), {
          traceHeader: { root, parent, sampled: enabled(), extra: {} },
        });
      } catch {
        entity = DETACHED;
      }
    }
    super(name, entity);
    this.facade = a?.facade === true;
    this.parent_id = typeof parentId === "string" ? parentId : undefined;
  }

  protected override refuses(what: string): boolean {
    if (!this.facade) return false;
    if (what !== "")
      logOnce(
        `facade:${what}`,
        "warn",
        `Function "${what}" cannot be called on an AWS Lambda segment. Please use a subsegment to record data.`,
      );
    return true;
  }

  override isClosed(): boolean {
    return this.facade || super.isClosed();
  }

  /** The incoming request's data (middleware.IncomingRequestData), recorded as `http` when the segment closes, with the response its close(res) added. */
  addIncomingRequestData(data: IncomingRequestData): void {
    if (this.refuses("addIncomingRequestData")) return;
    this.#incoming = data;
  }

  override close(err?: Error | string | null, remote?: boolean): void {
    const data = this.#incoming;
    this.#incoming = undefined;
    if (data && !this.isClosed()) {
      try {
        this.setHttp({ request: data.request, ...(data.response ? { response: data.response } : {}) });
      } catch {
        // data of the caller's that cannot be read: not recorded
      }
    }
    super.close(err, remote);
  }

  /** Sets `user` (the peer's `setUser`). */
  setUser(user: string): void {
    if (this.refuses("setUser")) return;
    try {
      (this._entity as { setUser?: (u: string) => void }).setUser?.(user);
    } catch {
      // tracing never breaks the program
    }
  }
}

/** A subsegment, begun by `addNewSubsegment` or a capture function (or adopted from xray-edge's own). */
export class Subsegment extends Base {
  readonly parent: Segment | Subsegment | undefined;
  readonly segment: Segment | undefined;
  readonly namespace: string | undefined;

  /**
   * Records an outgoing node:http call as `http` (method, URL without the query, and the response's
   * status and length), setting the flags the status calls for. `downstreamXRayEnabled` is the
   * peer's `traced` hint, which the core takes when the subsegment begins (captureHTTPs gives it there).
   */
  addRemoteRequestData(req: ClientRequest, res: IncomingMessage | null, _downstreamXRayEnabled?: boolean): void {
    const response = responseData(res);
    this.setHttp({ request: remoteRequest(req), ...(res ? { response } : {}) });
  }

  /** `new Subsegment(name)` is detached: the core records subsegments where they begin (see addSubsegment). */
  constructor(name: string) {
    const a = adopting;
    adopting = undefined;
    super(name, a?.entity ?? DETACHED);
    this.parent = a?.parent as Segment | Subsegment | undefined;
    this.segment = this.parent instanceof Segment ? this.parent : (this.parent as Subsegment | undefined)?.segment;
    this.namespace = a?.namespace;
  }
}

/** Runs `construct` with `a` as what its constructor adopts instead of beginning an entity. */
function make<T extends Base>(construct: () => T, a: NonNullable<typeof adopting>): T {
  adopting = a;
  try {
    return construct();
  } finally {
    adopting = undefined;
  }
}

/** Parents followed at most when adopting: a chain of the caller's that loops, or runs deeper, ends as a segment. */
const MAX_ADOPT_DEPTH = 64;

/** The handle of a native entity (a core Segment or Subsegment, or one of ours): the same one each time. */
export function adopt(entity: TraceEntity, depth = 0): Segment | Subsegment {
  if (entity instanceof Base) return entity as Segment | Subsegment;
  const known = handles.get(entity);
  if (known) return known as Segment | Subsegment;
  let parent: TraceEntity | undefined;
  try {
    const p = (entity as { parent?: unknown }).parent;
    if (p !== null && typeof p === "object" && typeof (p as TraceEntity).beginSubsegment === "function") parent = p as TraceEntity;
  } catch {
    parent = undefined; // a parent that cannot be read: taken for a segment
  }
  if (parent && depth < MAX_ADOPT_DEPTH) {
    const p = adopt(parent, depth + 1);
    return make(() => new Subsegment(""), { entity, parent: p, facade: false });
  }
  return make(() => new Segment(""), { entity, parent: undefined, facade: false });
}

/** The handle of a segment begun here on the tracer (the middleware's, with its own sampling decision). */
export function segmentOf(name: string, entity: TraceEntity): Segment {
  return make(() => new Segment(name), { entity, parent: undefined, facade: false });
}

/** The handle of a Lambda facade (see Segment). */
export function facadeSegment(entity: TraceEntity): Segment {
  return make(() => new Segment("facade"), { entity, parent: undefined, facade: true });
}

export type SegmentLike = Segment | Subsegment;
