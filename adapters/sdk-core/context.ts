/**
 * aws-xray-sdk-core's context functions over xray-edge's one AsyncLocalStorage
 * (adapters/context/storage.ts), so that xray-edge's own adapters and these see the same current
 * entity. In Lambda, as with the peer, no wrapper is needed: outside any subsegment, getSegment()
 * returns the invocation's facade, made from the header Lambda gives (InvokeStore or
 * `_X_AMZN_TRACE_ID`, read at each call), and each subsegment, nested ones too, is sent when it
 * closes.
 */
import type { TraceEntity } from "../../core/entity.ts";
import { currentScope, registry, runIn, type Scope } from "../context/storage.ts";
import { ambientHeader, classify } from "../lambda/header.ts";
import { adopt, facadeSegment, Segment, type SegmentLike, Subsegment } from "./entities.ts";
import { contextMissing, enabled, isAutomaticMode, isLambda, log, logOnce, tracer } from "./state.ts";

/**
 * The facades of the headers seen last, by header: one per invocation, and several at once where
 * Lambda runs invocations concurrently (InvokeStore gives each its header). The oldest past
 * MAX_FACADES is closed: a facade is never sent, and its subsegments still open are sent when they
 * close all the same, so closing one only frees it.
 */
const facades = new Map<string, Segment>();
const MAX_FACADES = 32;
/** The trace of each facade in `facades`, to the header it was made for. */
const facadeTraces = new Map<string, string>();

function lambdaFacade(): Segment {
  const header = ambientHeader();
  const key = header ?? "";
  let segment = facades.get(key);
  if (segment === undefined) {
    // AWS_XRAY_SDK_ENABLED=false: a facade on no header, which records and sends nothing.
    // stream: every subsegment, nested ones too, is sent when it closes, as the peer sends them.
    const entity = tracer().beginSegment("facade", { traceHeader: enabled() ? header : undefined, facade: true, stream: true });
    segment = facadeSegment(entity);
    facades.set(key, segment);
    traceOf(entity, (traceId) => facadeTraces.set(traceId, key));
    if (facades.size > MAX_FACADES) {
      const [oldest, old] = facades.entries().next().value as [string, Segment];
      facades.delete(oldest);
      traceOf(old._entity, (traceId) => facadeTraces.get(traceId) === oldest && facadeTraces.delete(traceId));
      try {
        old._entity.close();
      } catch {
        // tracing never breaks the program
      }
    }
  }
  // As the peer, a header Lambda gave that cannot be traced is said (once here): its invocations record nothing.
  if (header !== undefined && enabled() && !segment.sampled && classify(header) === "malformed")
    logOnce(
      "lambda:malformed",
      "error",
      `_X_AMZN_TRACE_ID is malformed ("${header.slice(0, 120)}"): invocations with such a header are not traced`,
    );
  if (header === undefined)
    contextMissing(
      "Missing AWS Lambda trace data for X-Ray. Ensure Active Tracing is enabled and no subsegments are created outside the function handler.",
    );
  return segment;
}

/** Calls `use` with the entity's trace ID when it can be read (an unsampled facade may have none). */
function traceOf(entity: TraceEntity, use: (traceId: string) => unknown): void {
  try {
    const traceId = entity.traceId;
    if (typeof traceId === "string" && traceId !== "") use(traceId);
  } catch {
    // a trace that cannot be read is left out
  }
}

/**
 * Whether `scope` was left current by an earlier invocation: `setSegment` before a handler's
 * first await enters the runtime's own context (AsyncLocalStorage's enterWith), so the next
 * invocation starts with it. Such a scope is in the trace of one of our facades, not of the
 * header this invocation was given; the peer resets its one facade on a new header for the same
 * reason. A segment begun by hand is in no facade's trace, and stays current.
 */
function leftByEarlierInvocation(scope: TraceEntity): boolean {
  if (facadeTraces.size === 0) return false;
  let key: string | undefined;
  traceOf(scope, (traceId) => (key = facadeTraces.get(traceId)));
  return key !== undefined && key !== (ambientHeader() ?? "");
}

/**
 * The current segment or subsegment. Without one: in Lambda the invocation's facade; elsewhere
 * undefined, after the context-missing strategy (LOG_ERROR by default; RUNTIME_ERROR throws). An
 * invocation xray-edge's traceHandler runs untraced on purpose gives undefined, silently.
 */
export function getSegment(): SegmentLike | undefined {
  if (!isAutomaticMode()) return void contextMissing("Cannot get sub/segment from context. Not supported in manual mode.");
  const scope = currentScope();
  if (typeof scope === "object" && scope !== null) {
    if (isLambda() && leftByEarlierInvocation(scope)) return lambdaFacade();
    return adopt(scope);
  }
  if (typeof scope === "string") return undefined;
  if (isLambda()) return lambdaFacade();
  return void contextMissing("Failed to get the current sub/segment from the context.");
}

interface EnterableStorage {
  enterWith?(store: Scope): void;
}

/** Makes `segment` the current one for the rest of this synchronous run and what it starts (AsyncLocalStorage's enterWith). */
export function setSegment(segment: SegmentLike | TraceEntity): void {
  if (!isAutomaticMode()) return void contextMissing("Cannot set sub/segment on context. Not supported in manual mode.");
  if (segment === null || typeof segment !== "object" || typeof (segment as TraceEntity).beginSubsegment !== "function")
    return log("warn", "Failed to set the current sub/segment on the context: not a segment or subsegment.");
  const storage = registry().storage as EnterableStorage | null;
  if (typeof storage?.enterWith !== "function") return log("warn", "Failed to set the current sub/segment on the context.");
  try {
    storage.enterWith(segment as TraceEntity);
  } catch {
    log("warn", "Failed to set the current sub/segment on the context.");
  }
}

/** Automatic mode: the context's segment (the argument is ignored, as by the peer); manual mode: the argument. */
export function resolveSegment(segment?: SegmentLike | null): SegmentLike | undefined {
  if (isAutomaticMode()) return getSegment();
  if (segment) return segment;
  contextMissing("No sub/segment specified. A sub/segment must be provided for manual mode.");
  return undefined;
}

/** Manual mode: the segment an AWS SDK v2 or http call names in its params (`XRaySegment`, `Segment`), removed from them. */
export function resolveManualSegmentParams(params?: any): SegmentLike | undefined {
  if (!params || typeof params !== "object" || isAutomaticMode()) return undefined;
  const isEntity = (v: unknown) => v instanceof Subsegment || v instanceof Segment;
  const x = params.XRaySegment ?? params.XraySegment;
  if (x && isEntity(x)) {
    delete params.XRaySegment;
    delete params.XraySegment;
    return x;
  }
  if (params.Segment && isEntity(params.Segment)) {
    const s = params.Segment;
    delete params.Segment;
    return s;
  }
  return undefined;
}

/**
 * What aws-xray-sdk-core users call on its cls-hooked namespace: `run`, `runAndReturn`,
 * `runPromise`, `bind`, and `get`/`set` of "segment". Each run gets a context of its own, as there.
 */
export interface XRayNamespace {
  readonly name: string;
  get(key: string): unknown;
  set<T>(key: string, value: T): T;
  run(fn: (...args: any[]) => void): void;
  runAndReturn<T>(fn: (...args: any[]) => T): T;
  runPromise<T>(fn: (...args: any[]) => Promise<T>): Promise<T>;
  bind<F extends (...args: any[]) => any>(fn: F): F;
}

/** Never seen by anyone: replaced at once by the scope the run starts with (see inFreshContext). */
const ENTERING = "\u0000sdk-core:entering";

/**
 * Runs `fn` in a context of its own that starts as the current one, so that a setSegment inside
 * stays inside (as in a cls-hooked run). AsyncLocalStorage.run with the store already current
 * makes no new context, hence the detour through another store; no scope stays no scope.
 */
function inFreshContext<T>(fn: () => T): T {
  const scope = currentScope();
  const storage = registry().storage as (EnterableStorage & { run<R>(s: Scope, f: () => R): R }) | null;
  if (!storage || typeof storage.enterWith !== "function") return runIn(scope as Scope, fn);
  return storage.run(ENTERING, () => {
    storage.enterWith!(scope as Scope);
    return fn();
  });
}

const namespace: XRayNamespace = {
  name: "AWSXRay",
  get(key) {
    if (key !== "segment") return undefined;
    const scope = currentScope();
    return typeof scope === "object" && scope !== null ? adopt(scope) : undefined;
  },
  set(key, value) {
    if (key === "segment") setSegment(value as SegmentLike);
    return value;
  },
  run(fn) {
    inFreshContext(() => fn({}));
  },
  runAndReturn(fn) {
    return inFreshContext(() => fn({}));
  },
  runPromise(fn) {
    return inFreshContext(() => fn({}));
  },
  bind(fn) {
    const scope = currentScope() as Scope;
    return function (this: unknown, ...args: unknown[]) {
      return runIn(scope, () => inFreshContext(() => fn.apply(this, args)));
    } as typeof fn;
  },
};

export function getNamespace(): XRayNamespace {
  return namespace;
}
