/**
 * Segments and subsegments: light handles over nodes that live in the core. An entity that is not
 * sampled keeps only its IDs, for propagation, and every recording call is a no-op. Each public
 * method is a shell over the recorder, run inside a try: nothing here throws to the caller.
 */
import { F_ERROR, F_FAULT, F_THROTTLE, M_AWS, M_SQL } from "./assembly/shared.ts";
import type { Recorder } from "./recorder.ts";

export type AnnotationValue = string | number | boolean;

export interface SubsegmentOptions {
  /** `aws` for AWS SDK calls, `remote` for other downstream calls. */
  namespace?: "aws" | "remote";
  /** Whether the downstream call was traced (sets `traced`). */
  traced?: boolean;
  /** IDs of subsegments that completed before this one (`precursor_ids`). */
  precursorIds?: string[];
}

export interface HttpData {
  request?: { method?: string; url?: string; user_agent?: string; client_ip?: string; x_forwarded_for?: boolean; traced?: boolean };
  response?: { status?: number; content_length?: number };
}

/**
 * The public surface of a segment or subsegment: what adapters (context, fetch, AWS SDK) program
 * against, so that they need no core of their own and an inert handle can stand in for one.
 */
export interface TraceEntity {
  readonly sampled: boolean;
  readonly id: string;
  readonly traceId: string;
  readonly traceHeader: string;
  beginSubsegment(name: string, options?: SubsegmentOptions): TraceEntity;
  addAnnotation(key: string, value: AnnotationValue): void;
  addMetadata(key: string, value: unknown, namespace?: string): void;
  addError(error: unknown, options?: { remote?: boolean }): void;
  setHttp(data: HttpData): void;
  setAws(data: Record<string, unknown>): void;
  setSql(data: Record<string, unknown>): void;
  addFaultFlag(): void;
  addErrorFlag(): void;
  addThrottleFlag(): void;
  close(): void;
}

/** @internal What the tracer hands a new entity: the core's report of it, read at begin. */
export interface EntityInit {
  rec: Recorder;
  sampled: boolean;
  /** The core's handle: slot (-1: not recorded) and generation. */
  slot: number;
  gen: number;
  idHigh: number;
  idLow: number;
  /** The incoming header's Lineage and extra fields, formatted (`;k=v…`), passed downstream. */
  carry: string;
}

/** What segments and subsegments share. */
export abstract class Entity implements TraceEntity {
  /** False when the trace is not sampled: nothing is recorded or sent. */
  readonly sampled: boolean;
  /** @internal */ readonly _rec: Recorder;
  /** @internal */ readonly _slot: number;
  /** @internal */ readonly _gen: number;
  /** @internal */ readonly _carry: string;
  #idText: string | undefined;
  /** The ID as the core reported it at begin (high and low 32 bits), formatted when read. */
  readonly #idHigh: number;
  readonly #idLow: number;

  /** @internal */
  constructor(init: EntityInit) {
    this.sampled = init.sampled;
    this._rec = init.rec;
    this._slot = init.slot;
    this._gen = init.gen;
    this._carry = init.carry;
    this.#idHigh = init.idHigh;
    this.#idLow = init.idLow;
    if (init.slot >= 0) init.rec.track(this, init.slot, init.gen);
  }

  /** This segment's or subsegment's ID (16 hex); also after it was sent. */
  get id(): string {
    if (this.#idText === undefined) {
      try {
        const core = this._rec.core;
        this.#idText = this._slot < 0 ? core.newSegmentId() : core.formatId(this.#idHigh, this.#idLow);
      } catch (error) {
        this._rec.failed(error);
        return "0000000000000001";
      }
    }
    return this.#idText;
  }

  /** The trace ID (`1-…-…`). */
  abstract get traceId(): string;

  /** The `X-Amzn-Trace-Id` value to send downstream, with this entity as the parent. */
  get traceHeader(): string {
    return `Root=${this.traceId};Parent=${this.id};Sampled=${this.sampled ? 1 : 0}${this._carry}`;
  }

  /** Opens a nested subsegment; close it before (or after) this one. */
  beginSubsegment(name: string, options?: SubsegmentOptions): Subsegment {
    const rec = this._rec;
    let slot = -1;
    let namespace: unknown;
    try {
      namespace = options?.namespace;
    } catch {
      // options that throw when read are no options
      options = undefined;
    }
    try {
      if (this._slot >= 0) slot = rec.beginChild(this._slot, this._gen, name, namespace);
    } catch (error) {
      rec.failed(error);
      slot = -1;
    }
    if (slot < 0) return new Subsegment({ rec, sampled: false, slot: -1, gen: 0, idHigh: 0, idLow: 0, carry: this._carry }, this);
    const b = rec.core.begun;
    const sub = new Subsegment({ rec, sampled: true, slot, gen: b.gen, idHigh: b.idHigh, idLow: b.idLow, carry: this._carry }, this);
    if (options !== undefined && options !== null && typeof options === "object") {
      try {
        rec.subsegmentOptions(slot, sub._gen, options as Record<string, unknown>);
      } catch (error) {
        rec.failed(error);
      }
    }
    return sub;
  }

  /**
   * Adds an annotation (indexed by X-Ray for filter expressions). Keys keep `[A-Za-z0-9_]`; other
   * characters become `_` (one warning). Values: strings (≤ 1000 characters, longer ones cut),
   * finite numbers, booleans; anything else is refused. At most 50 per segment or subsegment; the
   * last value for a key wins.
   */
  addAnnotation(key: string, value: AnnotationValue): void {
    if (this._slot < 0) return;
    try {
      this._rec.annotation(this._slot, this._gen, key, value);
    } catch (error) {
      this._rec.failed(error);
    }
  }

  /**
   * Adds metadata (not indexed): any value, serialized once as JSON (BigInt as a string, cycles
   * as "[Circular]"). Namespaces starting with `AWS.` are reserved for AWS services and refused.
   */
  addMetadata(key: string, value: unknown, namespace = "default"): void {
    if (this._slot < 0) return;
    try {
      this._rec.metadata(this._slot, this._gen, key, value, namespace);
    } catch (error) {
      this._rec.failed(error);
    }
  }

  /**
   * Records an error in `cause.exceptions` (type, message, stack frames, and its `cause` chain)
   * and sets the fault flag, also for an error whose fields cannot be read. `remote: true` marks
   * an error returned by a downstream service.
   */
  addError(error: unknown, options?: { remote?: boolean }): void {
    if (this._slot < 0) return;
    let remote = false;
    try {
      remote = options?.remote === true;
    } catch {
      // a throwing getter on the options: not remote
    }
    this._rec.error(this._slot, this._gen, error, remote);
  }

  /**
   * Sets `http` ({ request: { method, url, user_agent, client_ip, x_forwarded_for, traced },
   * response: { status, content_length } }). A response status also sets the flags as X-Ray
   * expects: 429 throttle and error, other 4xx error, 5xx fault.
   */
  setHttp(data: HttpData): void {
    if (this._slot < 0) return;
    try {
      this._rec.http(this._slot, this._gen, data);
    } catch (error) {
      this._rec.failed(error);
    }
  }

  /** Sets `aws` (operation, region, request_id, table_name, ...). */
  setAws(data: Record<string, unknown>): void {
    this.#object(M_AWS, data, "setAws");
  }

  /** Sets `sql` (url, connection_string, database_type, user, sanitized_query, ...). */
  setSql(data: Record<string, unknown>): void {
    this.#object(M_SQL, data, "setSql");
  }

  addFaultFlag(): void {
    this.#flag(F_FAULT);
  }

  addErrorFlag(): void {
    this.#flag(F_ERROR);
  }

  addThrottleFlag(): void {
    this.#flag(F_THROTTLE);
  }

  /**
   * Ends this segment or subsegment. A segment is then sent with its subsegments; subsegments
   * still open are sent as in progress and sent again, on their own, when they close.
   */
  close(): void {
    if (this._slot < 0) return;
    try {
      this._rec.untrack(this);
      this._rec.close(this._slot, this._gen);
    } catch (error) {
      this._rec.failed(error);
    }
  }

  /**
   * Sends this open segment or subsegment now, in progress, with what it holds (closed
   * subsegments as they closed, open ones in progress), and leaves it open: its close sends it
   * again, complete, and X-Ray merges the two by ID. For a process that may be stopped before the
   * close (a Lambda timeout): what finished is delivered. A subsegment sent so goes on as a
   * document of its own. Ignored on a closed handle and on a Lambda facade (which is never sent).
   */
  sendInProgress(): void {
    if (this._slot < 0) return;
    try {
      this._rec.sendOpen(this._slot, this._gen);
    } catch (error) {
      this._rec.failed(error);
    }
  }

  #object(which: number, data: unknown, what: string): void {
    if (this._slot < 0) return;
    try {
      this._rec.objectMember(this._slot, this._gen, which, data, what);
    } catch (error) {
      this._rec.failed(error);
    }
  }

  #flag(bits: number): void {
    if (this._slot < 0) return;
    try {
      this._rec.flags(this._slot, this._gen, bits);
    } catch (error) {
      this._rec.failed(error);
    }
  }
}

export class Segment extends Entity {
  #trace: string | undefined;

  /**
   * @internal `traceId`: the trace joined or generated; undefined for an unsampled segment that
   * had no header (one is generated when first needed).
   */
  constructor(init: EntityInit, traceId: string | undefined) {
    super(init);
    this.#trace = traceId;
  }

  get traceId(): string {
    if (this.#trace === undefined) {
      try {
        this.#trace = this._rec.core.newTraceId(this._rec.now());
      } catch (error) {
        this._rec.failed(error);
        return "1-00000000-000000000000000000000001";
      }
    }
    return this.#trace;
  }

  /** Sets `user`, the user who made the request (a string; at most 250 characters are kept). */
  setUser(user: string): void {
    if (this._slot < 0) return;
    try {
      this._rec.user(this._slot, this._gen, user);
    } catch (error) {
      this._rec.failed(error);
    }
  }
}

export class Subsegment extends Entity {
  readonly parent: Entity;

  /** @internal */
  constructor(init: EntityInit, parent: Entity) {
    super(init);
    this.parent = parent;
  }

  get traceId(): string {
    return this.parent.traceId;
  }
}
