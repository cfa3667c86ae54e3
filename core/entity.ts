import {
  F_FAULT, F_ERROR, F_THROTTLE, NS_AWS, NS_REMOTE,
  M_HTTP, M_AWS, M_SQL, M_PRECURSORS, M_TRACED, BEGIN_NAME_AT,
} from "./abi.ts";
import type { TracerCore } from "./tracer-core.ts";
import { safeStringify, exceptionsOf } from "./serialize.ts";
import { MAX_ANNOTATION_KEY_CHARS, MAX_ANNOTATION_VALUE_CHARS } from "./limits.ts";
import { writeName } from "./names.ts";

export type AnnotationValue = string | number | boolean;

export interface SubsegmentOptions {
  /** `aws` for AWS SDK calls, `remote` for other downstream calls. */
  namespace?: "aws" | "remote";
  /** Whether the downstream call was traced (sets `traced`). */
  traced?: boolean;
  /** IDs of subsegments that completed before this one (`precursor_ids`). */
  precursorIds?: string[];
}

// Bytes an annotation's key and value may take in the core's input (characters are cut there).
const KEY_INPUT = MAX_ANNOTATION_KEY_CHARS * 4;
const VALUE_INPUT = MAX_ANNOTATION_VALUE_CHARS * 4;

/**
 * What segments and subsegments share. A handle is light: the data lives in the core. An entity
 * that is not sampled keeps only its IDs, for propagation, and every recording call is a no-op.
 */
export abstract class Entity {
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
    this.idHigh = slot < 0 ? 0 : t.core.slot(1) >>> 0;
    this.idLow = slot < 0 ? 0 : t.core.slot(2) >>> 0;
  }

  /** This segment's or subsegment's ID (16 hex); also after it was sent. */
  get id(): string {
    if (this.idText === undefined) {
      this.idText = this.slot < 0 ? this.t.newId() : hex8(this.idHigh) + hex8(this.idLow);
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
    return this.t.guard(() => {
      if (this.slot < 0) return new Subsegment(this.t, false, -1, 0, this);
      const core = this.t.core;
      const nameLen = writeName(core, name, BEGIN_NAME_AT);
      const ns = options?.namespace === "aws" ? NS_AWS : options?.namespace === "remote" ? NS_REMOTE : 0;
      const slot = core.x.segBegin(this.slot, this.gen, nameLen, this.t.clock(), ns);
      if (slot < 0) {
        this.t.status(slot, "beginSubsegment");
        return new Subsegment(this.t, false, -1, 0, this);
      }
      const sub = new Subsegment(this.t, true, slot, core.slot(0), this);
      if (options?.traced !== undefined) sub.member(M_TRACED, options.traced ? "true" : "false");
      if (options?.precursorIds) sub.member(M_PRECURSORS, safeStringify(options.precursorIds.map(String)));
      return sub;
    }, () => new Subsegment(this.t, false, -1, 0, this));
  }

  /**
   * Adds an annotation (indexed by X-Ray for filter expressions). Keys keep `[A-Za-z0-9_]`; other
   * characters become `_` (one warning). Values: strings (≤ 1000 characters, longer ones cut),
   * finite numbers, booleans. At most 50 per segment or subsegment; the last value for a key wins.
   */
  addAnnotation(key: string, value: AnnotationValue): void {
    if (this.slot < 0) return;
    this.t.guard(() => {
      const core = this.t.core;
      const k = String(key);
      const keyLen = core.write(k, 0, KEY_INPUT);
      let type: number, valueLen: number;
      if (typeof value === "string") {
        type = 0;
        valueLen = core.write(value, keyLen, VALUE_INPUT);
      } else if (typeof value === "number" && Number.isFinite(value)) {
        type = 1;
        valueLen = core.write(String(value), keyLen, 32);
      } else if (typeof value === "boolean") {
        type = 2;
        valueLen = value ? 1 : 0;
      } else {
        this.t.warnings.once("annotation-type", `annotation "${k}" ignored: values must be strings, finite numbers or booleans, got ${typeof value === "number" ? value : typeof value}`);
        this.t.refused++;
        return;
      }
      const r = core.x.segAnnotate(this.slot, this.gen, keyLen, valueLen, type);
      if (r > 0) this.t.warnings.once("annotation-key", `annotation key "${k}" has characters outside [A-Za-z0-9_]: they were replaced by "_"`);
      else if (r < 0) this.t.status(r, "addAnnotation", k);
    });
  }

  /**
   * Adds metadata (not indexed): any value, serialized once as JSON (BigInt as a string, cycles
   * as "[Circular]"). Namespaces starting with `AWS.` are reserved for AWS services and refused.
   */
  addMetadata(key: string, value: unknown, namespace = "default"): void {
    if (this.slot < 0) return;
    this.t.guard(() => {
      const ns = String(namespace);
      if (ns.startsWith("AWS.")) {
        this.t.warnings.once("metadata-ns", `metadata namespace "${ns}" refused: namespaces starting with "AWS." are reserved for AWS services`);
        this.t.refused++;
        return;
      }
      const core = this.t.core;
      const nsLen = core.write(ns, 0, 1024);
      const keyLen = core.write(String(key), nsLen, 4096);
      const at = nsLen + keyLen;
      const valueLen = this.t.writeJson(safeStringify(value), at, "metadata " + key);
      if (valueLen < 0) return;
      const r = core.x.segMetadata(this.slot, this.gen, nsLen, keyLen, valueLen);
      if (r < 0) this.t.status(r, "addMetadata", String(key));
    });
  }

  /**
   * Records an error in `cause.exceptions` (type, message, stack frames, and its `cause` chain)
   * and sets the fault flag. `remote: true` marks an error returned by a downstream service.
   */
  addError(error: unknown, options?: { remote?: boolean }): void {
    if (this.slot < 0) return;
    this.t.guard(() => {
      this.t.ensureWorkingDirectory();
      for (const json of exceptionsOf(error, options?.remote === true, this.t.newId)) {
        const len = this.t.writeJson(json, 0, "error");
        if (len < 0) return;
        const r = this.t.core.x.segException(this.slot, this.gen, len);
        if (r < 0) return this.t.status(r, "addError");
      }
      this.t.core.x.segFlags(this.slot, this.gen, F_FAULT);
    });
  }

  /**
   * Sets `http` ({ request: { method, url, user_agent, client_ip, x_forwarded_for, traced },
   * response: { status, content_length } }). A response status also sets the flags as X-Ray
   * expects: 429 throttle and error, other 4xx error, 5xx fault.
   */
  setHttp(data: HttpData): void {
    if (this.slot < 0) return;
    this.t.guard(() => {
      this.member(M_HTTP, safeStringify(data));
      const status = data?.response?.status;
      if (typeof status === "number") {
        const bits = status === 429 ? F_THROTTLE | F_ERROR : status >= 500 && status < 600 ? F_FAULT : status >= 400 && status < 500 ? F_ERROR : 0;
        if (bits) this.t.core.x.segFlags(this.slot, this.gen, bits);
      }
    });
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
    if (this.slot < 0) return;
    this.t.guard(() => {
      const n = this.t.core.x.segEnd(this.slot, this.gen, this.t.clock());
      if (n < 0) return this.t.status(n, "close");
      if (n > 0) this.t.send(n);
    });
  }

  /** @internal */
  protected setMember(member: number, data: unknown): void {
    if (this.slot < 0) return;
    this.t.guard(() => this.member(member, safeStringify(data)));
  }

  /** @internal */
  member(member: number, json: string): void {
    const len = this.t.writeJson(json, 0, "field");
    if (len < 0) return;
    const r = this.t.core.x.segMember(this.slot, this.gen, member, len);
    if (r < 0) this.t.status(r, "set");
  }

  private flag(bits: number): void {
    if (this.slot < 0) return;
    this.t.guard(() => {
      const r = this.t.core.x.segFlags(this.slot, this.gen, bits);
      if (r < 0) this.t.status(r, "flag");
    });
  }
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
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
