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
  newTraceId(now: number): void;
  segBegin(parentSlot: number, parentGen: number, nameLen: number, now: number, flags: number): number;
  segEnd(slot: number, gen: number, now: number): number;
  segAnnotate(slot: number, gen: number, keyLen: number, valueLen: number, type: number): number;
  segMetadata(slot: number, gen: number, nsLen: number, keyLen: number, valueLen: number): number;
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

// Header result slots (core/assembly/header.ts), as i32 indexes into the result region.
export const R_ROOT = 0;
export const R_FLAGS = 1;
export const R_PARENT = 2;
export const R_SAMPLED = 3;
export const R_SELF = 4;
export const R_LINEAGE = 6;
export const R_EXTRAS = 8;

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
  private buffer: ArrayBuffer;

  constructor(exports: CoreExports) {
    this.x = exports;
    this.input = exports.inputPtr();
    this.inputCap = exports.inputCap();
    this.result = exports.resultPtr();
    this.idAt = exports.idPtr();
    this.buffer = exports.memory.buffer;
    this.u8 = new Uint8Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
  }

  /** Re-creates the views after the wasm memory grew (which detaches the old buffer). */
  views(): Uint8Array<ArrayBuffer> {
    if (this.x.memory.buffer !== this.buffer) {
      this.buffer = this.x.memory.buffer;
      this.u8 = new Uint8Array(this.buffer);
      this.i32 = new Int32Array(this.buffer);
    }
    return this.u8;
  }

  /** i32 result slot `index`. */
  slot(index: number): number {
    this.views();
    return this.i32[(this.result >> 2) + index]!;
  }

  /**
   * Writes `s` as UTF-8 at input offset `at`, at most `max` bytes (cut at a character boundary).
   * Short ASCII strings are copied in a loop: for the names and keys of tracing that is several
   * times cheaper than a TextEncoder call. Lone surrogates become U+FFFD.
   */
  write(s: string, at: number, max: number): number {
    const u8 = this.views();
    const base = this.input + at;
    const n = s.length;
    let i = 0;
    if (n <= max) {
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        u8[base + i] = c;
      }
      if (i === n) return n;
    }
    const rest = i === 0 ? s : s.slice(i);
    return i + encoder.encodeInto(rest, u8.subarray(base + i, base + max)).written;
  }

  /** Bytes at absolute address `ptr` as a string (ASCII or UTF-8). */
  read(ptr: number, len: number): string {
    const u8 = this.views();
    if (len <= 64) {
      let ascii = true;
      for (let i = 0; i < len; i++) if (u8[ptr + i]! >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, u8.subarray(ptr, ptr + len) as unknown as number[]);
    }
    return decoder.decode(u8.subarray(ptr, ptr + len));
  }
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
