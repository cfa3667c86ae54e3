import { type Core, E_STALE, E_INVALID, E_BUDGET, E_LIMIT, E_CLOSED } from "./abi.ts";
import type { Clock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import type { Warnings } from "./log.ts";
import { newSegmentIdWith } from "./ids.ts";

export interface TracerStats {
  /** Datagrams handed to the emitter. */
  sent: number;
  /** Recording calls refused (invalid value, limits, reserved namespace, oversized data). */
  refused: number;
  /** Calls on a handle whose document was already sent. */
  stale: number;
}

/**
 * What the handles of one tracer share: the core, the emitter, the clock, the warnings. Also the
 * one place where core status codes become warnings and where nothing may throw to the caller.
 */
export class TracerCore {
  sent = 0;
  refused = 0;
  stale = 0;
  private workingDirectorySet = false;
  readonly newId: () => string;

  constructor(
    readonly core: Core,
    readonly emitter: Emitter | undefined,
    readonly clock: Clock,
    readonly warnings: Warnings,
    private readonly workingDirectory?: string,
  ) {
    this.newId = () => newSegmentIdWith(core);
  }

  /**
   * Runs instrumentation: what `fn` throws (a bug, or the core out of memory) is said once and
   * swallowed, never passed to the traced program. A function and its arguments rather than a
   * closure: nothing is allocated per call.
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R | undefined {
    try {
      return fn(...args);
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** Instrumentation threw: say so once, carry on. */
  failed(error: unknown): void {
    let message: string;
    try {
      message = error instanceof Error ? error.message : String(error);
    } catch {
      message = "unknown error";
    }
    this.warnings.once("internal", `tracing failed and was skipped: ${message}`);
  }

  status(code: number, what: string, key?: string): void {
    const k = key === undefined ? "" : ` "${key}"`;
    switch (code) {
      case E_STALE:
        this.stale++;
        return this.warnings.once("stale", `${what} ignored: its segment was already sent`);
      case E_CLOSED:
        return this.warnings.once("closed", `${what} ignored: already closed`);
      case E_LIMIT:
        this.refused++;
        return this.warnings.once("annotation-limit", `${what}${k} refused: 50 annotations at most`);
      case E_BUDGET:
        this.refused++;
        return this.warnings.once("budget", `${what}${k} refused: a segment's own data is limited to 60,000 bytes`);
      case E_INVALID:
        this.refused++;
        return this.warnings.once("invalid", `${what}${k} refused: invalid value`);
    }
  }

  /**
   * Writes JSON text at input offset `at` in full, or refuses it (-1) when it cannot fit: JSON
   * cut short would not be JSON.
   */
  writeJson(json: string, at: number, what: string, key?: string): number {
    const room = this.core.inputCap - at;
    if (json.length * 3 <= room) return this.core.write(json, at, room);
    const bytes = new TextEncoder().encode(json);
    if (bytes.length > room) {
      this.refused++;
      this.warnings.once("too-large", `${what}${key === undefined ? "" : ` "${key}"`} refused: ${bytes.length} bytes of JSON is too large`);
      return -1;
    }
    this.core.views().set(bytes, this.core.input + at);
    return bytes.length;
  }

  /** Hands the `n` datagrams the core just wrote to the emitter. */
  send(n: number): void {
    const emitter = this.emitter;
    if (!emitter) return;
    const core = this.core;
    const u8 = core.views();
    const list = core.x.datagramList() >> 2;
    const out = core.x.outputPtr();
    for (let i = 0; i < n; i++) {
      const offset = core.i32[list + 2 * i]!;
      const length = core.i32[list + 2 * i + 1]!;
      try {
        emitter.send(u8.subarray(out + offset, out + offset + length));
        this.sent++;
      } catch (error) {
        this.warnings.once("emitter", `the emitter threw and a datagram was lost: ${(error as Error)?.message ?? error}`);
      }
    }
  }

  /** An ID kept as two 32-bit halves, as 16 hex digits (formatted by the core). */
  formatId(high: number, low: number): string {
    this.core.x.hexId(high, low);
    return this.core.read(this.core.idAt, 16);
  }

  /** `carry` is the incoming header's Lineage and extra fields, already formatted (`;k=v…`). */
  headerFor(traceId: string, parent: string, sampled: boolean, carry: string): string {
    return `Root=${traceId};Parent=${parent};Sampled=${sampled ? 1 : 0}${carry}`;
  }

  /**
   * `cause.working_directory`: the given one, else `process.cwd()` where the runtime has one
   * (workerd's, from compatibility date 2026-10-01, answers "/bundle"). Set in the core before this tracer's first error: the core keeps one value,
   * so tracers sharing a core should agree on it.
   */
  ensureWorkingDirectory(): void {
    if (this.workingDirectorySet) return;
    this.workingDirectorySet = true;
    let dir = this.workingDirectory;
    if (dir === undefined) {
      try {
        dir = (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.();
      } catch {
        dir = undefined;
      }
    }
    this.core.x.setWorkingDirectory(dir ? this.core.write(JSON.stringify(dir), 0, 4096) : 0);
  }
}
