import { F_FAULT, F_ERROR, F_THROTTLE, M_AWS, M_SQL, R_BEGIN_GEN, R_BEGIN_ID } from "./abi.ts";
import type { TracerCore } from "./tracer-core.ts";
import * as record from "./record.ts";

export type AnnotationValue = string | number | boolean;

export interface SubsegmentOptions {
  /** `aws` for AWS SDK calls, `remote` for other downstream calls. */
  namespace?: "aws" | "remote";
  /** Whether the downstream call was traced (sets `traced`). */
  traced?: boolean;
  /** IDs of subsegments that completed before this one (`precursor_ids`). */
  precursorIds?: string[];
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

/**
 * What segments and subsegments share. A handle is light: the data lives in the core. An entity
 * that is not sampled keeps only its IDs, for propagation, and every recording call is a no-op.
 * Each public method is a shell: the work is in record.ts, run by TracerCore.run, which catches.
 */
export abstract class Entity implements TraceEntity {
  /** False when the trace is not sampled: nothing is recorded or sent. */
  readonly sampled: boolean;
  /** @internal */ readonly t: TracerCore;
  /** @internal The core's handle: slot (or -1 when not recorded) and generation. */
  slot: number;
  /** @internal */ gen: number;
  /** @internal The incoming header's Lineage and extra fields, formatted, passed downstream. */
  carry = "";
  private idText: string | undefined;
  /** The ID as the core reported it at begin (high and low 32 bits), formatted when read. */
  private readonly idHigh: number;
  private readonly idLow: number;

  /** @internal */
  constructor(t: TracerCore, sampled: boolean, slot: number, gen: number) {
    this.t = t;
    this.sampled = sampled;
    this.slot = slot;
    this.gen = gen;
    this.idHigh = slot < 0 ? 0 : t.core.slot(R_BEGIN_ID);
    this.idLow = slot < 0 ? 0 : t.core.slot(R_BEGIN_ID + 1);
  }

  /** This segment's or subsegment's ID (16 hex); also after it was sent. */
  get id(): string {
    if (this.idText === undefined) {
      this.idText = this.slot < 0 ? this.t.newId() : this.t.formatId(this.idHigh, this.idLow);
    }
    return this.idText;
  }

  /** The trace ID (`1-…-…`). */
  abstract get traceId(): string;

  /** The `X-Amzn-Trace-Id` value to send downstream, with this entity as the parent. */
  get traceHeader(): string {
    return this.t.headerFor(this.traceId, this.id, this.sampled, this.carry);
  }

  /** Opens a nested subsegment; close it before (or after) this one. */
  beginSubsegment(name: string, options?: SubsegmentOptions): Subsegment {
    const slot = this.slot >= 0 ? (this.t.run(record.begin, this, name, options) ?? -1) : -1;
    if (slot < 0) return new Subsegment(this.t, false, -1, 0, this);
    const sub = new Subsegment(this.t, true, slot, this.t.core.slot(R_BEGIN_GEN), this);
    if (options) this.t.run(record.subsegmentOptions, sub, options);
    return sub;
  }

  /**
   * Adds an annotation (indexed by X-Ray for filter expressions). Keys keep `[A-Za-z0-9_]`; other
   * characters become `_` (one warning). Values: strings (≤ 1000 characters, longer ones cut),
   * finite numbers, booleans. At most 50 per segment or subsegment; the last value for a key wins.
   */
  addAnnotation(key: string, value: AnnotationValue): void {
    if (this.slot >= 0) this.t.run(record.annotation, this, key, value);
  }

  /**
   * Adds metadata (not indexed): any value, serialized once as JSON (BigInt as a string, cycles
   * as "[Circular]"). Namespaces starting with `AWS.` are reserved for AWS services and refused.
   */
  addMetadata(key: string, value: unknown, namespace = "default"): void {
    if (this.slot >= 0) this.t.run(record.metadata, this, key, value, namespace);
  }

  /**
   * Records an error in `cause.exceptions` (type, message, stack frames, and its `cause` chain)
   * and sets the fault flag. `remote: true` marks an error returned by a downstream service.
   */
  addError(error: unknown, options?: { remote?: boolean }): void {
    if (this.slot >= 0) this.t.run(record.error, this, error, options?.remote === true);
  }

  /**
   * Sets `http` ({ request: { method, url, user_agent, client_ip, x_forwarded_for, traced },
   * response: { status, content_length } }). A response status also sets the flags as X-Ray
   * expects: 429 throttle and error, other 4xx error, 5xx fault.
   */
  setHttp(data: HttpData): void {
    if (this.slot >= 0) this.t.run(record.http, this, data);
  }

  /** Sets `aws` (operation, region, request_id, table_name, ...). */
  setAws(data: Record<string, unknown>): void {
    this.setMember(M_AWS, data);
  }

  /** Sets `sql` (url, connection_string, database_type, user, sanitized_query, ...). */
  setSql(data: Record<string, unknown>): void {
    this.setMember(M_SQL, data);
  }

  addFaultFlag(): void {
    this.flag(F_FAULT);
  }

  addErrorFlag(): void {
    this.flag(F_ERROR);
  }

  addThrottleFlag(): void {
    this.flag(F_THROTTLE);
  }

  /**
   * Ends this segment or subsegment. A segment is then sent with its subsegments; subsegments
   * still open are sent as in progress and sent again, on their own, when they close.
   */
  close(): void {
    if (this.slot >= 0) this.t.run(record.close, this);
  }

  /** @internal */
  protected setMember(member: number, data: unknown): void {
    if (this.slot >= 0) this.t.run(record.setMember, this, member, data);
  }

  private flag(bits: number): void {
    if (this.slot >= 0) this.t.run(record.flags, this, bits);
  }
}

export interface HttpData {
  request?: { method?: string; url?: string; user_agent?: string; client_ip?: string; x_forwarded_for?: boolean; traced?: boolean };
  response?: { status?: number; content_length?: number };
}

export class Subsegment extends Entity {
  readonly parent: Entity;

  /** @internal */
  constructor(t: TracerCore, sampled: boolean, slot: number, gen: number, parent: Entity) {
    super(t, sampled, slot, gen);
    this.parent = parent;
    this.carry = parent.carry;
  }

  get traceId(): string {
    return this.parent.traceId;
  }
}
