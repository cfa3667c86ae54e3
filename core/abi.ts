/**
 * The binding to core.wasm: the only TypeScript that knows the ABI (export names, result slots,
 * status codes, input layouts). Everything above it speaks strings and objects.
 */

/** The platform the core is given: it reads no clock and no entropy of its own. */
export interface Platform {
  /** Fills `bytes` with secure random bytes (default: crypto.getRandomValues). */
  entropy(bytes: Uint8Array<ArrayBuffer>): void;
}

/** The raw exports of core.wasm (core/assembly/index.ts). */
export interface CoreExports {
  memory: WebAssembly.Memory;
  inputPtr(): number;
  inputCap(): number;
  resultPtr(): number;
  idPtr(): number;
  outputPtr(): number;
  datagramList(): number;
  parseHeader(len: number): number;
  newSegmentId(): void;
  hexId(high: number, low: number): void;
  newTraceId(now: number): void;
  segBegin(parentSlot: number, parentGen: number, nameLen: number, now: number, flags: number): number;
  segBeginHeader(headerLen: number, nameAt: number, nameLen: number, now: number, flags: number): number;
  segEnd(slot: number, gen: number, now: number): number;
  segAnnotate(slot: number, gen: number, keyLen: number, valueLen: number, type: number): number;
  segMetadata(slot: number, gen: number, valueLen: number, nsLen: number, keyLen: number): number;
  segMember(slot: number, gen: number, member: number, len: number): number;
  segException(slot: number, gen: number, len: number): number;
  segFlags(slot: number, gen: number, bits: number): number;
  samplerCreate(): number;
  samplerAddRule(id: number, fixedTarget: number, rate: number): number;
  samplerDecide(id: number, now: number): number;
  liveNodes(): number;
  entropyReset(): void;
  setWorkingDirectory(len: number): void;
}

// Status codes (core/assembly/abi.ts).
export const OK = 0;
export const E_STALE = -1;
export const E_INVALID = -2;
export const E_BUDGET = -3;
export const E_LIMIT = -4;
export const E_CLOSED = -5;
export const E_NO_TRACE = -6;
export const E_DECIDE = -7;

// Header result slots (core/assembly/header.ts), as i32 indexes into the result region.
export const R_ROOT = 0;
export const R_FLAGS = 1;
export const R_PARENT = 2;
export const R_SAMPLED = 3;
export const R_SELF = 4;
export const R_LINEAGE = 6;
export const R_EXTRAS = 8;
/** segBegin's report: the generation, then the ID's high and low halves. */
export const R_BEGIN_GEN = 760;
export const R_BEGIN_ID = 761;

// Node flags (core/assembly/store.ts) the host passes.
export const F_FAULT = 2;
export const F_ERROR = 4;
export const F_THROTTLE = 8;
export const F_FACADE = 16;
export const F_HAS_PARENT = 64;
export const NS_AWS = 1 << 8;
export const NS_REMOTE = 2 << 8;
/** segBegin: the input holds a trace ID to join. */
export const B_TRACE_GIVEN = 1 << 12;
/** segBegin input layout. */
export const BEGIN_PARENT_AT = 35;
export const BEGIN_NAME_AT = 64;

// Members (core/assembly/encode.ts).
export const M_HTTP = 1;
export const M_AWS = 2;
export const M_SQL = 3;
export const M_SERVICE = 4;
export const M_USER = 5;
export const M_ORIGIN = 6;
export const M_PRECURSORS = 7;
export const M_TRACED = 8;

/** Sampler input: five i32 lengths, then the bytes. */
export const SAMPLER_BYTES_AT = 20;

const encoder = new TextEncoder();
/** Strings up to this length are copied in a JS loop, longer ones with encodeInto. */
const SHORT_STRING = 32;
const decoder = new TextDecoder();

/** One instantiated core with views over its memory, refreshed when the memory grows. */
export class Core {
  readonly x: CoreExports;
  readonly input: number;
  readonly inputCap: number;
  readonly result: number;
  readonly idAt: number;
  u8: Uint8Array<ArrayBuffer>;
  i32: Int32Array;
  /** The input region as its own view, so that encodeInto at offset 0 needs no new subarray. */
  private inputView: Uint8Array<ArrayBuffer>;

  constructor(exports: CoreExports) {
    this.x = exports;
    this.input = exports.inputPtr();
    this.inputCap = exports.inputCap();
    this.result = exports.resultPtr();
    this.idAt = exports.idPtr();
    this.u8 = new Uint8Array(exports.memory.buffer);
    this.i32 = new Int32Array(exports.memory.buffer);
    this.inputView = this.u8.subarray(this.input, this.input + this.inputCap);
  }

  /**
   * The views, re-created after the wasm memory grew. Growing detaches the old buffer, which
   * makes the old views' length 0: checking that is free, where reading `memory.buffer` (an
   * accessor into the engine) on every call cost about 10% of a traced segment.
   */
  views(): Uint8Array<ArrayBuffer> {
    if (this.u8.length === 0) {
      this.u8 = new Uint8Array(this.x.memory.buffer);
      this.i32 = new Int32Array(this.x.memory.buffer);
      this.inputView = this.u8.subarray(this.input, this.input + this.inputCap);
    }
    return this.u8;
  }

  /** i32 result slot `index`. */
  slot(index: number): number {
    if (this.u8.length === 0) this.views();
    return this.i32[(this.result >> 2) + index]!;
  }

  /**
   * Writes `s` as UTF-8 at input offset `at`, at most `max` bytes (cut at a character boundary);
   * lone surrogates become U+FFFD. Short ASCII strings (names, keys) are copied in a loop, longer
   * ones with encodeInto: on Node 20 the loop costs 17 ns for 8 characters against 38 ns, and
   * 101 ns for a 75-character header against 43 ns (.tmp/wr.mjs in the session that chose this).
   */
  write(s: string, at: number, max: number): number {
    const u8 = this.views();
    const n = s.length;
    let i = 0;
    if (n <= SHORT_STRING && n <= max) {
      const base = this.input + at;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        u8[base + i] = c;
      }
      if (i === n) return n;
    }
    const view = at + i === 0 && max >= this.inputCap ? this.inputView : u8.subarray(this.input + at + i, this.input + at + max);
    return i + encoder.encodeInto(i === 0 ? s : s.slice(i), view).written;
  }

  /** Bytes at absolute address `ptr` as a string (ASCII or UTF-8). */
  read(ptr: number, len: number): string {
    const u8 = this.views();
    if (len === 16) return ascii16(u8, ptr);
    if (len === 35) return ascii35(u8, ptr);
    return decoder.decode(u8.subarray(ptr, ptr + len));
  }
}

/**
 * 16 ASCII bytes as a string. Explicit arguments: 37 ns, where fromCharCode.apply over a subarray
 * takes 190 ns and TextDecoder 360 ns (Node 20, .tmp/hex.mjs in the session that chose this).
 */
function ascii16(u8: Uint8Array, p: number): string {
  return String.fromCharCode(
    u8[p]!,
    u8[p + 1]!,
    u8[p + 2]!,
    u8[p + 3]!,
    u8[p + 4]!,
    u8[p + 5]!,
    u8[p + 6]!,
    u8[p + 7]!,
    u8[p + 8]!,
    u8[p + 9]!,
    u8[p + 10]!,
    u8[p + 11]!,
    u8[p + 12]!,
    u8[p + 13]!,
    u8[p + 14]!,
    u8[p + 15]!,
  );
}

/** A trace ID's 35 ASCII bytes as a string, in one call (two 16-byte reads and a concat cost 40% more). */
function ascii35(u8: Uint8Array, p: number): string {
  return String.fromCharCode(
    u8[p]!,
    u8[p + 1]!,
    u8[p + 2]!,
    u8[p + 3]!,
    u8[p + 4]!,
    u8[p + 5]!,
    u8[p + 6]!,
    u8[p + 7]!,
    u8[p + 8]!,
    u8[p + 9]!,
    u8[p + 10]!,
    u8[p + 11]!,
    u8[p + 12]!,
    u8[p + 13]!,
    u8[p + 14]!,
    u8[p + 15]!,
    u8[p + 16]!,
    u8[p + 17]!,
    u8[p + 18]!,
    u8[p + 19]!,
    u8[p + 20]!,
    u8[p + 21]!,
    u8[p + 22]!,
    u8[p + 23]!,
    u8[p + 24]!,
    u8[p + 25]!,
    u8[p + 26]!,
    u8[p + 27]!,
    u8[p + 28]!,
    u8[p + 29]!,
    u8[p + 30]!,
    u8[p + 31]!,
    u8[p + 32]!,
    u8[p + 33]!,
    u8[p + 34]!,
  );
}

export function instantiate(module: WebAssembly.Module, platform: Platform): Core {
  let core: Core | undefined;
  const imports = {
    env: {
      entropy(ptr: number, len: number) {
        platform.entropy(core!.views().subarray(ptr, ptr + len));
      },
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`xray-edge core aborted at ${line}:${column}`);
      },
    },
  };
  const instance = new WebAssembly.Instance(module, imports);
  core = new Core(instance.exports as unknown as CoreExports);
  return core;
}
