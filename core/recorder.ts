/**
 * What the handles of one tracer share: the core, the emitter, the clock, the logger and the
 * counters. It does the recording work behind Entity's methods, on (slot, generation) handles, and
 * is the one place where core statuses become counts and warnings and where nothing may throw
 * to the caller: every public entry point of entity.ts runs through `run`, which catches.
 */
import type { Core } from "./abi.ts";
import {
  E_BUDGET,
  E_CAP,
  E_CLOSED,
  E_INVALID,
  E_LIMIT,
  E_REENTRY,
  E_STALE,
  F_ERROR,
  F_FAULT,
  F_THROTTLE,
  MAX_EMISSIONS,
  M_HTTP,
  M_PRECURSORS,
  M_TRACED,
  M_USER,
  NODE_BUDGET,
  NS_AWS,
  NS_REMOTE,
} from "./assembly/shared.ts";
import type { Clock } from "./clock.ts";
import type { Emitter } from "./emitter.ts";
import type { Warnings } from "./log.ts";
import { isRecord } from "./options.ts";
import { Reclaimer } from "./reclaim.ts";
import { exceptionsOf, safeStringify } from "./serialize.ts";
import type { XRay } from "./xray.ts";

export interface TracerStats {
  /** Datagrams the emitter took. */
  sent: number;
  /** Datagrams lost: the emitter threw, there was no emitter, or re-entrant closes nested too deep. */
  failed: number;
  /** Recording calls refused (a wrong type, an invalid value, a limit, a reserved namespace, too large). */
  refused: number;
  /** Calls on a handle whose document was already sent. */
  stale: number;
  /** Failures inside tracing, caught and skipped (each kind said once). */
  internal: number;
  /** Segments and subsegments not begun because the core held its cap of live entities. */
  overCap: number;
  /** Entities whose handles were garbage-collected unclosed, freed with their subtrees. */
  abandoned: number;
  /** Entities begun and recorded (sampled, and not a Lambda facade). */
  entitiesBegun: number;
  /** Closed entities in datagrams the emitter took. */
  entitiesSent: number;
  /** Closed entities in datagrams that were lost (counted in `failed`). */
  entitiesFailed: number;
}

type Counters = { -readonly [K in keyof TracerStats]: TracerStats[K] };

/** Characters of a user name kept (the schema's limit). */
const MAX_USER_CHARS = 250;
/** http.request strings: the schema's limit. */
const MAX_HTTP_TEXT = 250;
const HTTP_REQUEST_TEXT = ["method", "url", "user_agent", "client_ip"];
const HTTP_REQUEST_FLAGS = ["x_forwarded_for", "traced"];
const HTTP_RESPONSE_COUNTS = ["status", "content_length"];
const SEGMENT_ID = /^[0-9a-f]{16}$/;

/** @internal */
export class Recorder {
  readonly counters: Counters = {
    sent: 0,
    failed: 0,
    refused: 0,
    stale: 0,
    internal: 0,
    overCap: 0,
    abandoned: 0,
    entitiesBegun: 0,
    entitiesSent: 0,
    entitiesFailed: 0,
  };
  readonly core: Core;
  /** @internal */ readonly reclaimer: Reclaimer;
  readonly #warnAbandoned: (freed: number) => void;

  constructor(
    readonly xray: XRay,
    readonly emitter: Emitter | undefined,
    readonly clock: Clock,
    readonly warnings: Warnings,
    /** `cause.working_directory` for recorded errors ("" for none). */
    readonly workingDirectory: string,
  ) {
    this.core = xray.core;
    this.reclaimer = new Reclaimer(xray.reclaim);
    this.#warnAbandoned = (freed) =>
      this.warnings.once(
        "abandoned",
        `${freed} segment(s) or subsegment(s) were garbage-collected unclosed and dropped (see stats().abandoned)`,
      );
  }

  /** True while the clock runs: a clock that traces gets the system's time for what it records. */
  #inClock = false;

  /** Epoch seconds: the tracer's clock, or the system's (said once) when it throws or returns no time. */
  now(): number {
    if (this.#inClock) return Date.now() / 1000;
    this.#inClock = true;
    try {
      const t = this.clock();
      if (typeof t === "number" && Number.isFinite(t)) return t;
    } catch {
      // said below
    } finally {
      this.#inClock = false;
    }
    this.counters.internal++;
    this.warnings.once("clock", "the clock threw or returned something other than a finite number: the system clock was used");
    return Date.now() / 1000;
  }

  /** Instrumentation threw (a bug, or the core out of memory): counted, said once, never passed on. */
  failed(error: unknown): void {
    this.counters.internal++;
    let message: string;
    try {
      message = error instanceof Error ? error.message : String(error);
    } catch {
      message = "unknown error";
    }
    this.warnings.once("internal", `tracing failed and was skipped: ${message}`);
  }

  /** A wrong type or value: refused, counted, said once per kind. */
  refuse(kind: string, message: string): void {
    this.counters.refused++;
    this.warnings.once(kind, message);
  }

  status(code: number, what: string, key?: string): void {
    const k = key === undefined ? "" : ` "${key}"`;
    switch (code) {
      case E_STALE:
        this.counters.stale++;
        return this.warnings.once("stale", `${what} ignored: its segment was already sent`);
      case E_CLOSED:
        return this.warnings.once("closed", `${what} ignored: already closed`);
      case E_LIMIT:
        return this.refuse("annotation-limit", `${what}${k} refused: 50 annotations at most`);
      case E_BUDGET:
        return this.refuse("budget", `${what}${k} refused: a segment's own data is limited to ${thousands(NODE_BUDGET)} bytes`);
      case E_INVALID:
        return this.refuse("invalid", `${what}${k} refused: invalid value`);
      case E_CAP:
        this.counters.overCap++;
        return this.warnings.once(
          "cap",
          `${what} refused: the core holds its cap of live segments and subsegments (createXRay's maxEntities)`,
        );
    }
  }

  // Entities.

  /**
   * Registers a handle, so that its node is reclaimed if the handle is collected unclosed: when
   * the task that began it ends, if it is still open then (reclaim.ts).
   */
  track(handle: object, slot: number, gen: number): void {
    this.reclaimer.track(handle, { counters: this.counters, slot, gen, warn: this.#warnAbandoned });
  }

  /** A closed handle needs no reclaiming: its registration goes at once, not at the next collection. */
  untrack(handle: object): void {
    this.reclaimer.untrack(handle);
  }

  /** Begins a child of (slot, gen); returns its slot (`core.begun` filled) or a negative status. */
  beginChild(slot: number, gen: number, name: unknown, namespace: unknown): number {
    const ns = namespace === "aws" ? NS_AWS : namespace === "remote" ? NS_REMOTE : 0;
    const now = this.now();
    const child = this.core.begin(slot, gen, this.name(name), now, ns);
    if (child < 0) this.status(child, "beginSubsegment");
    else this.counters.entitiesBegun++;
    return child;
  }

  /** A name as text; a non-string is refused into "anonymous" (said once). */
  name(name: unknown): string {
    if (typeof name === "string") return name;
    this.refuse("name-type", 'a segment or subsegment name that is not a string was replaced by "anonymous"');
    return "";
  }

  annotation(slot: number, gen: number, key: unknown, value: unknown): void {
    if (typeof key !== "string") return this.refuse("annotation-key-type", "an annotation whose key is not a string was refused");
    if (!(typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value)))) {
      return this.refuse("annotation-type", `annotation "${key}" refused: not a string, finite number or boolean`);
    }
    const r = this.core.annotate(slot, gen, key, value);
    if (r > 0) this.warnings.once("annotation-key", `annotation key "${key}": characters outside [A-Za-z0-9_] replaced by "_"`);
    else if (r < 0) this.status(r, "addAnnotation", key);
  }

  metadata(slot: number, gen: number, key: unknown, value: unknown, namespace: unknown): void {
    if (typeof key !== "string") return this.refuse("metadata-key-type", "metadata whose key is not a string was refused");
    if (typeof namespace !== "string") return this.refuse("metadata-ns-type", `metadata "${key}" refused: its namespace is not a string`);
    if (namespace.startsWith("AWS.")) return this.refuse("metadata-ns", `metadata namespace "${namespace}" refused: "AWS." is reserved`);
    const r = this.core.metadata(slot, gen, key, safeStringify(value), namespace);
    if (r < 0) this.status(r, "addMetadata", key);
  }

  /** Records an error and always sets the fault flag, whatever the error's fields do. */
  error(slot: number, gen: number, error: unknown, remote: boolean): void {
    try {
      for (const json of exceptionsOf(error, remote, () => this.core.newSegmentId())) {
        const r = this.core.exception(slot, gen, json, this.workingDirectory);
        if (r < 0) {
          this.status(r, "addError");
          break;
        }
      }
    } catch (e) {
      this.failed(e);
    } finally {
      this.flags(slot, gen, F_FAULT);
    }
  }

  /** `http`: known fields of the wrong type are dropped (said once); the status sets the flags X-Ray expects. */
  http(slot: number, gen: number, data: unknown): void {
    if (!isRecord(data)) return this.refuse("http-type", "setHttp refused: its argument is not an object");
    const clean = this.cleanHttp(data);
    this.member(slot, gen, M_HTTP, JSON.stringify(clean));
    const status = (clean.response as Record<string, unknown> | undefined)?.status;
    if (typeof status !== "number") return;
    const bits =
      status === 429 ? F_THROTTLE | F_ERROR : status >= 500 && status < 600 ? F_FAULT : status >= 400 && status < 500 ? F_ERROR : 0;
    if (bits) this.flags(slot, gen, bits);
  }

  /** A copy of `data` (key order kept, so ordinary documents are unchanged) whose known fields are valid. */
  private cleanHttp(data: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(data)) {
      const v = data[key];
      if (key === "request" || key === "response") {
        if (!isRecord(v)) {
          if (v !== undefined) this.refuse("http-field", `setHttp: "${key}" dropped: not an object`);
          continue;
        }
        const part: Record<string, unknown> = {};
        for (const k of Object.keys(v)) {
          const f = v[k];
          if (f === undefined) continue;
          if (key === "request" && HTTP_REQUEST_TEXT.includes(k)) {
            if (typeof f === "string") part[k] = f.length > MAX_HTTP_TEXT ? [...f].slice(0, MAX_HTTP_TEXT).join("") : f;
            else this.refuse("http-field", `setHttp: "${key}.${k}" dropped: not a string`);
          } else if (key === "request" && HTTP_REQUEST_FLAGS.includes(k)) {
            if (typeof f === "boolean") part[k] = f;
            else this.refuse("http-field", `setHttp: "${key}.${k}" dropped: not a boolean`);
          } else if (key === "response" && HTTP_RESPONSE_COUNTS.includes(k)) {
            if (Number.isInteger(f) && (f as number) >= 0) part[k] = f;
            else this.refuse("http-field", `setHttp: "${key}.${k}" dropped: not a non-negative integer`);
          } else part[k] = safeValue(f);
        }
        out[key] = part;
      } else if (v !== undefined) out[key] = safeValue(v);
    }
    return out;
  }

  /** `aws` or `sql`: an object whose JSON is an object. */
  objectMember(slot: number, gen: number, which: number, data: unknown, what: string): void {
    if (!isRecord(data)) return this.refuse(`${what}-type`, `${what} refused: its argument is not an object`);
    const json = safeStringify(data);
    if (json.charCodeAt(0) !== 123) return this.refuse(`${what}-type`, `${what} refused: it does not serialize to a JSON object`);
    this.member(slot, gen, which, json);
  }

  user(slot: number, gen: number, user: unknown): void {
    if (typeof user !== "string") return this.refuse("user-type", "setUser refused: the user is not a string");
    const cut = user.length > MAX_USER_CHARS ? [...user].slice(0, MAX_USER_CHARS).join("") : user;
    this.member(slot, gen, M_USER, JSON.stringify(cut));
  }

  /** `traced` and `precursor_ids` from SubsegmentOptions (invalid IDs dropped). */
  subsegmentOptions(slot: number, gen: number, options: Record<string, unknown>): void {
    let traced: unknown, ids: unknown;
    try {
      traced = options.traced;
      ids = options.precursorIds;
    } catch {
      return this.refuse("options", "beginSubsegment: options that throw when read were ignored");
    }
    if (typeof traced === "boolean") this.member(slot, gen, M_TRACED, traced ? "true" : "false");
    if (Array.isArray(ids)) {
      const valid = ids.filter((id) => typeof id === "string" && SEGMENT_ID.test(id));
      if (valid.length < ids.length) this.refuse("precursor", "precursorIds: IDs that are not 16 lower-case hex digits were dropped");
      if (valid.length > 0) this.member(slot, gen, M_PRECURSORS, JSON.stringify(valid));
    }
  }

  member(slot: number, gen: number, which: number, json: string): void {
    const r = this.core.member(slot, gen, which, json);
    if (r < 0) this.status(r, "set");
  }

  flags(slot: number, gen: number, bits: number): void {
    const r = this.core.flags(slot, gen, bits);
    if (r < 0) this.status(r, "flag");
  }

  /** Closes and sends what the close completed. */
  close(slot: number, gen: number): void {
    const now = this.now();
    const r = this.core.end(slot, gen, now);
    if (r > 0) this.drain(r);
    else if (r === E_REENTRY) {
      const lost = this.core.freed();
      this.counters.failed++;
      this.counters.entitiesFailed += lost;
      this.warnings.once("reentry", `a document was dropped: closes from inside the emitter nested ${MAX_EMISSIONS} deep`);
    } else if (r < 0) this.status(r, "close");
  }

  /** Sends an open entity in progress now (Entity.sendInProgress); it stays open, and its close sends it again. */
  sendOpen(slot: number, gen: number): void {
    const r = this.core.sendOpen(slot, gen);
    if (r > 0) this.drain(r);
    else if (r === E_REENTRY)
      this.warnings.once("reentry-open", `sendInProgress skipped: closes from inside the emitter nested ${MAX_EMISSIONS} deep`);
    else if (r < 0) this.status(r, "sendInProgress");
  }

  /**
   * Hands every datagram of an emission to the emitter. A close from inside emitter.send gets an
   * emission of its own in the core, so this one's datagrams are never overwritten.
   */
  drain(emission: number): void {
    const c = this.counters;
    for (let d = this.core.nextDatagram(emission); d !== undefined; d = this.core.nextDatagram(emission)) {
      const closed = d.closed;
      if (d.lost) {
        c.failed++;
        c.entitiesFailed += closed;
        this.warnings.once("lost", "a document the core could not fit in a datagram was dropped");
        continue;
      }
      const emitter = this.emitter;
      if (!emitter) {
        c.failed++;
        c.entitiesFailed += closed;
        this.warnings.once("no-emitter", "this tracer has no emitter: its documents are dropped (counted in stats().failed)");
        continue;
      }
      try {
        emitter.send(d.bytes);
        c.sent++;
        c.entitiesSent += closed;
      } catch (error) {
        c.failed++;
        c.entitiesFailed += closed;
        this.warnings.once("emitter", `the emitter threw and a datagram was lost: ${describeError(error)}`);
      }
    }
  }
}

/** A value JSON can hold as it is, or its safe JSON (BigInt, cycles, throwing getters). */
function safeValue(v: unknown): unknown {
  if (v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) return v;
  return JSON.parse(safeStringify(v));
}

/** 60000 as "60,000" (no Intl: not every runtime has its data). */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "unknown error";
  }
}
