/**
 * The binding to core.wasm: the only TypeScript that calls its exports or reads and writes its
 * memory. Everything above it calls the typed methods of `Core`. The constants both sides use are
 * in core/assembly/shared.ts, which this file imports as TypeScript.
 *
 * Results come back in shared result slots: each method reads what it needs right after its
 * call, before any callback (emitter, logger, clock) can run and make a call of its own.
 */
import {
  A_BOOLEAN,
  E_CAP,
  A_NUMBER,
  A_STRING,
  BEGIN_NAME_AT,
  BEGIN_PARENT_AT,
  B_TRACE_GIVEN,
  CENTRAL_ATTRS_AT,
  CENTRAL_BYTES_AT,
  CENTRAL_FIELDS,
  CENTRAL_PAIRS_AT,
  E_BUDGET,
  E_DECIDE,
  E_INVALID,
  F_HAS_PARENT,
  INPUT_CAP,
  MAX_ANNOTATION_KEY_CHARS,
  MAX_ANNOTATION_VALUE_CHARS,
  MAX_ATTRIBUTES,
  MAX_NAME_CHARS,
  MAX_PATH_CHARS,
  MAX_PATTERN_BYTES,
  OK,
  RESULT_ID_AT,
  R_BEGIN_GEN,
  R_BEGIN_ID,
  R_EMIT_CLOSED,
  R_EMIT_OPEN,
  R_EMIT_PTR,
  R_EXTRAS,
  R_FLAGS,
  R_FREED,
  R_LINEAGE,
  R_PARENT,
  R_ROOT,
  R_SAMPLED,
  R_SELF,
  R_STAT_BORROWED,
  R_STAT_REQUESTS,
  R_STAT_SAMPLED,
  SAMPLER_BYTES_AT,
  SAMPLER_FIELDS,
} from "./assembly/shared.ts";
import type { BeginReport, CentralFields, Datagram, SamplerFields } from "./abi-types.ts";
import { ascii16, ascii35 } from "./ascii.ts";
import type { TraceHeader } from "./header.ts";

export type { BeginReport, CentralFields, Datagram, SamplerFields };
import { nameText } from "./names.ts";

/** Fills `bytes` with secure random bytes. */
export type Entropy = (bytes: Uint8Array<ArrayBuffer>) => void;

/** The raw exports of core.wasm (core/assembly/index.ts); nothing outside this file sees them. */
interface Exports {
  memory: WebAssembly.Memory;
  inputPtr(): number;
  resultPtr(): number;
  parseHeader(len: number): number;
  newSegmentId(): void;
  hexId(high: number, low: number): void;
  newTraceId(now: number): void;
  segBegin(parentSlot: number, parentGen: number, nameLen: number, now: number, flags: number): number;
  segBeginHeader(headerLen: number, nameAt: number, nameLen: number, now: number, flags: number): number;
  segEnd(slot: number, gen: number, now: number): number;
  segAbandon(slot: number, gen: number): number;
  segSendOpen(slot: number, gen: number): number;
  segAnnotate(slot: number, gen: number, keyLen: number, valueLen: number, type: number): number;
  segMetadata(slot: number, gen: number, valueLen: number, nsLen: number, keyLen: number): number;
  segMember(slot: number, gen: number, member: number, len: number): number;
  segException(slot: number, gen: number, len: number, wdLen: number): number;
  segFlags(slot: number, gen: number, bits: number): number;
  emitNext(emission: number): number;
  samplerCreate(): number;
  samplerAddRule(id: number, fixedTarget: number, rate: number): number;
  samplerDecide(id: number, now: number): number;
  samplerFree(id: number): void;
  samplerCount(): number;
  centralCreate(): number;
  centralFree(id: number): void;
  centralAddRule(id: number, flags: number, fixedRate: number): number;
  centralSetTarget(id: number, index: number, fixedRate: number, quota: number, ttl: number): number;
  centralCarry(fromId: number, from: number, toId: number, to: number): number;
  centralDecide(id: number, now: number): number;
  centralStats(id: number, index: number): number;
  liveNodes(): number;
  setMaxEntities(n: number): number;
  entropyReset(): void;
}

/** Request text written at most per field for a centralized decision (hosts and paths are far shorter). */
const S_INPUT_TEXT = 8192;

const encoder = new TextEncoder();
/** ignoreBOM: a parsed field may start with U+FEFF, which a default decoder would silently drop. */
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
/** Strings up to this length are copied in a JS loop, longer ones with encodeInto. */
const SHORT_STRING = 32;
/** Input bytes a header may take (8192 characters of UTF-8). */
const HEADER_INPUT = 8192 * 3;
/** Annotation keys and values: bytes written at most (characters are cut in the core). */
const KEY_INPUT = MAX_ANNOTATION_KEY_CHARS * 4;
const VALUE_INPUT = MAX_ANNOTATION_VALUE_CHARS * 4;
/** Metadata namespaces and keys: bytes written at most. */
const NAMESPACE_INPUT = 1024;
const METADATA_KEY_INPUT = 4096;
/** Working directory bytes written at most (the core keeps MAX_PATH_CHARS characters). */
const PATH_INPUT = MAX_PATH_CHARS * 4;
/** A name's bytes written at most (MAX_NAME_INPUT UTF-16 units, up to 3 bytes each). */
const NAME_INPUT = MAX_NAME_CHARS * 6;

/** @internal One instantiated core with views over its memory, refreshed when the memory grows. */
export class Core {
  // Plain properties set in the constructor, not class fields: V8 compiles a class's field
  // initializer by parsing the whole class body again: 0.9 ms of a fresh process's
  // start-up under the profiler here (node --cpu-prof on bench/startup-child.mjs).
  declare private readonly x: Exports;
  declare private readonly inputAt: number;
  declare private readonly resultSlots: number;
  declare private readonly idAt: number;
  declare private u8: Uint8Array<ArrayBuffer>;
  declare private i32: Int32Array<ArrayBuffer>;
  /** The input region as its own view, so that encodeInto at offset 0 needs no new subarray. */
  declare private inputView: Uint8Array<ArrayBuffer>;
  /** Written by begin and beginFromHeader, read by the caller at once. */
  declare readonly begun: BeginReport;
  declare readonly datagram: Datagram;

  constructor(exports: Exports) {
    const result = exports.resultPtr();
    this.x = exports;
    this.inputAt = exports.inputPtr();
    this.resultSlots = result >> 2;
    this.idAt = result + RESULT_ID_AT;
    this.u8 = new Uint8Array(exports.memory.buffer);
    this.i32 = new Int32Array(exports.memory.buffer);
    this.inputView = this.u8.subarray(this.inputAt, this.inputAt + INPUT_CAP);
    this.begun = { slot: -1, gen: 0, idHigh: 0, idLow: 0, traceId: undefined };
    this.datagram = { bytes: this.u8.subarray(0, 0), closed: 0, open: 0, lost: false };
    this.header = undefined;
  }

  /**
   * The views, re-created after the wasm memory grew. Growing detaches the old buffer, which
   * makes the old views' length 0: checking that is free, where reading `memory.buffer` (an
   * accessor into the engine) on every call cost about 10% of a traced segment.
   */
  private views(): Uint8Array<ArrayBuffer> {
    if (this.u8.length === 0) {
      this.u8 = new Uint8Array(this.x.memory.buffer);
      this.i32 = new Int32Array(this.x.memory.buffer);
      this.inputView = this.u8.subarray(this.inputAt, this.inputAt + INPUT_CAP);
    }
    return this.u8;
  }

  private slot(index: number): number {
    if (this.u8.length === 0) this.views();
    return this.i32[this.resultSlots + index]!;
  }

  /**
   * Writes `s` as UTF-8 at input offset `at`, at most `max` bytes (cut at a character boundary);
   * lone surrogates become U+FFFD. Short ASCII strings (names, keys) are copied in a loop, longer
   * ones with encodeInto: on Node 20 the loop costs 17 ns for 8 characters against 38 ns, and
   * 101 ns for a 75-character header against 43 ns.
   */
  private write(s: string, at: number, max: number): number {
    const u8 = this.views();
    const n = s.length;
    let i = 0;
    if (n <= SHORT_STRING && n <= max) {
      const base = this.inputAt + at;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        u8[base + i] = c;
      }
      if (i === n) return n;
    }
    const room = Math.min(max, INPUT_CAP - at - i);
    const view = at + i === 0 && room >= INPUT_CAP ? this.inputView : u8.subarray(this.inputAt + at + i, this.inputAt + at + i + room);
    return i + encoder.encodeInto(i === 0 ? s : s.slice(i), view).written;
  }

  /**
   * Writes JSON text at input offset `at` in full; -1 when it cannot fit (JSON cut short would
   * not be JSON). The quick bound first: a string of n UTF-16 units is at most 3n bytes.
   */
  private writeWhole(json: string, at: number): number {
    const room = INPUT_CAP - at;
    if (json.length * 3 <= room) return this.write(json, at, room);
    const bytes = encoder.encode(json);
    if (bytes.length > room) return -1;
    this.views().set(bytes, this.inputAt + at);
    return bytes.length;
  }

  /** Bytes at absolute address `ptr` as a string (ASCII or UTF-8). */
  private read(ptr: number, len: number): string {
    const u8 = this.views();
    if (len === 16) return ascii16(u8, ptr);
    if (len === 35) return ascii35(u8, ptr);
    return decoder.decode(u8.subarray(ptr, ptr + len));
  }

  // IDs.

  /** 16 lower-case hex digits from the entropy pool; never all zero. */
  newSegmentId(): string {
    this.x.newSegmentId();
    return this.read(this.idAt, 16);
  }

  /** `1-` + 8 hex digits of epoch seconds + `-` + 24 random hex digits. */
  newTraceId(nowSeconds: number): string {
    this.x.newTraceId(nowSeconds);
    return this.read(this.idAt, 35);
  }

  /** An ID kept as two 32-bit halves, as 16 hex digits. */
  formatId(high: number, low: number): string {
    this.x.hexId(high, low);
    return this.read(this.idAt, 16);
  }

  // Headers.

  /** Parses a header of at most 8192 characters; undefined without a valid Root. */
  parseHeader(header: string): TraceHeader | undefined {
    const len = this.write(header, 0, HEADER_INPUT);
    if (this.x.parseHeader(len) !== 1) return undefined;
    return this.parsed(header, len);
  }

  /** The TraceHeader of the header the core just parsed (`len` bytes of `header` at input 0). */
  private parsed(header: string, len: number): TraceHeader {
    // When every character was one byte, byte offsets are string offsets: slice the string itself.
    const ascii = len === header.length;
    const text = (offset: number, length: number) =>
      ascii ? header.slice(offset, offset + length) : this.read(this.inputAt + offset, length);
    const flags = this.slot(R_FLAGS);
    const result: TraceHeader = { root: this.parsedRoot(header, len), extra: {} };
    const parentAt = this.slot(R_PARENT);
    if (parentAt >= 0) {
      const parent = text(parentAt, 16);
      result.parent = flags & 2 ? parent.toLowerCase() : parent;
    }
    const sampled = this.slot(R_SAMPLED);
    if (sampled >= 0) result.sampled = sampled === 1 ? true : sampled === 0 ? false : "requested";
    const selfAt = this.slot(R_SELF);
    if (selfAt >= 0) result.self = text(selfAt, this.slot(R_SELF + 1));
    const lineageAt = this.slot(R_LINEAGE);
    if (lineageAt >= 0) result.lineage = text(lineageAt, this.slot(R_LINEAGE + 1));
    const extras = this.slot(R_EXTRAS);
    for (let i = 0, s = R_EXTRAS + 1; i < extras; i++, s += 4) {
      result.extra[text(this.slot(s), this.slot(s + 1))] = text(this.slot(s + 2), this.slot(s + 3));
    }
    return result;
  }

  private parsedRoot(header: string, len: number): string {
    const at = this.slot(R_ROOT);
    const root = len === header.length ? header.slice(at, at + 35) : this.read(this.inputAt + at, 35);
    return this.slot(R_FLAGS) & 1 ? root.toLowerCase() : root;
  }

  // Entities.

  /**
   * Begins a segment from a trace header in one call when the header decides (Root and
   * Sampled=1; for a facade, Parent too). Returns the slot, with `begun` and `header` filled
   * (`header` is undefined when the header carried nothing beyond Root, Parent and Sampled);
   * E_NO_TRACE, E_DECIDE (then `header` holds the parsed header) or E_CAP.
   */
  beginFromHeader(header: string, name: string, now: number, flags: number): number {
    const headerLen = this.write(header, 0, HEADER_INPUT);
    const nameLen = this.writeName(name, headerLen);
    const slot = this.x.segBeginHeader(headerLen, headerLen, nameLen, now, flags);
    if (slot >= 0) {
      this.readBegun(slot, false);
      this.begun.traceId = this.parsedRoot(header, headerLen);
      const carry = this.slot(R_LINEAGE) >= 0 || this.slot(R_EXTRAS) > 0;
      this.header = carry ? this.parsed(header, headerLen) : undefined;
    } else this.header = slot === E_DECIDE || slot === E_CAP ? this.parsed(header, headerLen) : undefined;
    return slot;
  }

  /** The header beginFromHeader parsed, when the caller needs its fields. */
  declare header: TraceHeader | undefined;

  /**
   * Begins a segment (parent undefined) or a subsegment of the handle's node. `traceId` joins a
   * trace (else one is generated), `parentId` names the segment's parent. Returns the slot with
   * `begun` filled, or a negative status.
   */
  begin(parentSlot: number, parentGen: number, name: string, now: number, flags: number, traceId?: string, parentId?: string): number {
    let f = flags;
    if (traceId !== undefined) {
      f |= B_TRACE_GIVEN;
      this.write(traceId, 0, 35);
      if (parentId !== undefined) {
        f |= F_HAS_PARENT;
        this.write(parentId, BEGIN_PARENT_AT, 16);
      }
    }
    const nameLen = this.writeName(name, BEGIN_NAME_AT);
    const slot = this.x.segBegin(parentSlot, parentGen, nameLen, now, f);
    if (slot >= 0) this.readBegun(slot, parentSlot < 0 && traceId === undefined);
    return slot;
  }

  private readBegun(slot: number, generated: boolean): void {
    const b = this.begun;
    b.slot = slot;
    b.gen = this.slot(R_BEGIN_GEN);
    b.idHigh = this.slot(R_BEGIN_ID);
    b.idLow = this.slot(R_BEGIN_ID + 1);
    b.traceId = generated ? this.read(this.idAt, 35) : undefined;
  }

  /** A name: short ASCII ones copied as they are; the core filters and cuts to 200 characters. */
  private writeName(name: string, at: number): number {
    return this.write(nameText(name), at, NAME_INPUT);
  }

  /** Closes; returns 0 (nothing to send), an emission to drain with nextDatagram (> 0), or a status. */
  end(slot: number, gen: number, now: number): number {
    return this.x.segEnd(slot, gen, now);
  }

  /** Sends an open entity in progress, freeing nothing; an emission to drain (> 0), or a status. */
  sendOpen(slot: number, gen: number): number {
    return this.x.segSendOpen(slot, gen);
  }

  /** E_REENTRY's and abandon's count of entities freed unsent. */
  freed(): number {
    return this.slot(R_FREED);
  }

  /**
   * The next datagram of an emission end() returned, or undefined when it is done. The view is
   * valid until the next call into this core.
   */
  nextDatagram(emission: number): Datagram | undefined {
    const len = this.x.emitNext(emission - 1);
    if (len === 0) return undefined;
    const d = this.datagram;
    const ptr = this.slot(R_EMIT_PTR);
    d.closed = this.slot(R_EMIT_CLOSED);
    d.open = this.slot(R_EMIT_OPEN);
    d.lost = len < 0;
    d.bytes = len < 0 ? this.views().subarray(0, 0) : this.views().subarray(ptr, ptr + len);
    return d;
  }

  /** Frees an unclosed entity whose handle was collected; the count freed, or a status. */
  abandon(slot: number, gen: number): number {
    return this.x.segAbandon(slot, gen);
  }

  /** A string, finite number or boolean annotation; the count of key characters replaced, or a status. */
  annotate(slot: number, gen: number, key: string, value: string | number | boolean): number {
    const keyLen = this.write(key, 0, KEY_INPUT);
    let type: number, valueLen: number;
    if (typeof value === "string") {
      type = A_STRING;
      valueLen = this.write(value, keyLen, VALUE_INPUT);
    } else if (typeof value === "number") {
      type = A_NUMBER;
      valueLen = this.write(String(value), keyLen, 32);
    } else {
      type = A_BOOLEAN;
      valueLen = value ? 1 : 0;
    }
    return this.x.segAnnotate(slot, gen, keyLen, valueLen, type);
  }

  /** Metadata: the value as JSON text; "default" namespace when ns is. E_BUDGET when it cannot fit. */
  metadata(slot: number, gen: number, key: string, json: string, ns: string): number {
    // The value first, at offset 0, where encodeInto writes through a cached view.
    const valueLen = this.writeWhole(json, 0);
    if (valueLen < 0) return E_BUDGET;
    const nsLen = ns === "default" ? 0 : this.write(ns, valueLen, NAMESPACE_INPUT);
    const keyLen = this.write(key, valueLen + nsLen, METADATA_KEY_INPUT);
    return this.x.segMetadata(slot, gen, valueLen, nsLen, keyLen);
  }

  /** Sets member `which` (M_*) to JSON text. */
  member(slot: number, gen: number, which: number, json: string): number {
    const len = this.writeWhole(json, 0);
    return len < 0 ? E_BUDGET : this.x.segMember(slot, gen, which, len);
  }

  /** Appends one exception (JSON text); the working directory is kept with the node's first. */
  exception(slot: number, gen: number, json: string, workingDirectory: string): number {
    const len = this.writeWhole(json, 0);
    if (len < 0) return E_BUDGET;
    const wdLen = workingDirectory === "" ? 0 : this.write(workingDirectory, len, PATH_INPUT);
    return this.x.segException(slot, gen, len, wdLen);
  }

  /** Sets fault, error and throttle bits. */
  flags(slot: number, gen: number, bits: number): number {
    return this.x.segFlags(slot, gen, bits);
  }

  // Samplers.

  samplerCreate(): number {
    return this.x.samplerCreate();
  }

  /** Adds a rule with its patterns; -1 for a pattern over MAX_PATTERN_BYTES. */
  samplerAddRule(id: number, patterns: SamplerFields, fixedTarget: number, rate: number): number {
    this.fields(patterns);
    return this.x.samplerAddRule(id, fixedTarget, rate);
  }

  /** (rule index << 1) | sampled, or -1 when no rule matched. */
  /**
   * A decision for one request's five attributes, passed one by one: no array is made per
   * decision (it was 40% of one, against aws-xray-sdk-core's 240 ns).
   */
  samplerDecide(
    id: number,
    host: unknown,
    method: unknown,
    urlPath: unknown,
    serviceName: unknown,
    serviceType: unknown,
    now: number,
  ): number {
    let at = SAMPLER_BYTES_AT;
    const base = this.inputAt >> 2;
    at += this.field(base, 0, host, at);
    at += this.field(base, 1, method, at);
    at += this.field(base, 2, urlPath, at);
    at += this.field(base, 3, serviceName, at);
    this.field(base, 4, serviceType, at);
    return this.x.samplerDecide(id, now);
  }

  /** Writes one optional request attribute at `at` and its length (-1: absent) in slot `i`; the bytes written. */
  private field(base: number, i: number, v: unknown, at: number): number {
    const n = typeof v === "string" ? this.write(v, at, MAX_PATTERN_BYTES + 1) : -1;
    // write() may have refreshed the views; i32 is read after it.
    if (this.u8.length === 0) this.views();
    this.i32[base + i] = n;
    return Math.max(n, 0);
  }

  samplerFree(id: number): void {
    this.x.samplerFree(id);
  }

  samplerCount(): number {
    return this.x.samplerCount();
  }

  /** Writes five optional strings as the core's (lengths, bytes) input. */
  private fields(values: SamplerFields): void {
    let at = SAMPLER_BYTES_AT;
    const lengths: number[] = [];
    for (let i = 0; i < SAMPLER_FIELDS; i++) {
      const v = values[i];
      let n = -1;
      if (typeof v === "string") {
        n = this.write(v, at, MAX_PATTERN_BYTES + 1);
        at += n;
      }
      lengths.push(n);
    }
    this.views();
    const base = this.inputAt >> 2;
    for (let i = 0; i < SAMPLER_FIELDS; i++) this.i32[base + i] = lengths[i]!;
  }

  // Centralized sampling rules.

  centralCreate(): number {
    return this.x.centralCreate();
  }

  centralFree(id: number): void {
    this.x.centralFree(id);
  }

  /** Adds a rule: six patterns (host, method, path, service name, service type, resource ARN) and attributes. */
  centralAddRule(
    id: number,
    fields: CentralFields,
    attributes: readonly (readonly [string, string])[],
    flags: number,
    fixedRate: number,
  ): number {
    if (!this.central(fields, attributes, MAX_PATTERN_BYTES + 1)) return E_INVALID;
    return this.x.centralAddRule(id, flags, fixedRate);
  }

  centralSetTarget(id: number, index: number, fixedRate: number, quota: number, ttl: number): number {
    return this.x.centralSetTarget(id, index, fixedRate, quota, ttl);
  }

  centralCarry(fromId: number, from: number, toId: number, to: number): number {
    return this.x.centralCarry(fromId, from, toId, to);
  }

  /** (rule index << 2) | borrowed | sampled, or -1 when no rule matched. */
  centralDecide(id: number, fields: CentralFields, attributes: readonly (readonly [string, string])[], now: number): number {
    if (!this.central(fields, attributes, S_INPUT_TEXT)) return -1;
    return this.x.centralDecide(id, now);
  }

  /** A rule's counts since the last call: [requests, sampled, borrowed], or undefined. */
  centralStats(id: number, index: number): [number, number, number] | undefined {
    if (this.x.centralStats(id, index) !== OK) return undefined;
    return [this.slot(R_STAT_REQUESTS), this.slot(R_STAT_SAMPLED), this.slot(R_STAT_BORROWED)];
  }

  /** Writes six optional strings and attribute pairs as the centralized input; false when they cannot fit. */
  private central(fields: CentralFields, attributes: readonly (readonly [string, string])[], cap: number): boolean {
    if (attributes.length > MAX_ATTRIBUTES) return false;
    let at = CENTRAL_BYTES_AT;
    const lengths: number[] = [];
    const room = () => INPUT_CAP - at;
    // Request text past `cap` characters is cut (matched on its start); a rule's pattern that
    // long is refused by the caller before it gets here.
    const cut = (t: string) => (t.length > cap ? t.slice(0, cap) : t);
    for (let i = 0; i < CENTRAL_FIELDS; i++) {
      const f = fields[i];
      const v = typeof f === "string" ? cut(f) : undefined;
      let n = -1;
      if (typeof v === "string") {
        if (v.length * 3 > room()) return false;
        n = this.write(v, at, Math.min(cap, room()));
        at += n;
      }
      lengths.push(n);
    }
    for (const [rawKey, rawValue] of attributes) {
      const k = cut(rawKey);
      const v = cut(rawValue);
      if ((k.length + v.length) * 3 > room()) return false;
      const kl = this.write(k, at, Math.min(cap, room()));
      at += kl;
      const vl = this.write(v, at, Math.min(cap, room()));
      at += vl;
      lengths.push(kl, vl);
    }
    this.views();
    const base = this.inputAt >> 2;
    for (let i = 0; i < CENTRAL_FIELDS; i++) this.i32[base + i] = lengths[i]!;
    this.i32[base + (CENTRAL_ATTRS_AT >> 2)] = attributes.length;
    for (let i = CENTRAL_FIELDS; i < lengths.length; i++) this.i32[base + (CENTRAL_PAIRS_AT >> 2) + (i - CENTRAL_FIELDS)] = lengths[i]!;
    return true;
  }

  // The core as a whole.

  /** Segments and subsegments alive in the core (open, or waiting for their document). */
  liveNodes(): number {
    return this.x.liveNodes();
  }

  /** wasm memory in bytes. */
  memoryBytes(): number {
    return this.x.memory.buffer.byteLength;
  }

  /** Sets the cap on live entities; returns the cap in force (clamped to [1, MAX_ENTITIES_LIMIT]). */
  setMaxEntities(n: number): number {
    return this.x.setMaxEntities(n);
  }

  /** Drops the pooled entropy, so the next ID draws fresh bytes (tests of the pool). */
  entropyReset(): void {
    this.x.entropyReset();
  }
}

/** @internal Instantiates `module` with `entropy` behind its one import. */
export function instantiate(module: WebAssembly.Module, entropy: Entropy): Core {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      entropy(ptr: number, len: number) {
        entropy(new Uint8Array(memory!.buffer, ptr, len));
      },
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`xray-edge core aborted at ${line}:${column}`);
      },
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  const exports = instance.exports as unknown as Exports;
  memory = exports.memory;
  return new Core(exports);
}
