/**
 * Per-invocation state, as Powertools keeps it: the invocation's facade (the function's segment,
 * recorded by Lambda, on the invocation's trace header) and the segment `setSegment` made
 * current. Lambda's Node runtime runs each invocation inside `awslambda.InvokeStore.run` (backed by
 * AsyncLocalStorage when invocations run concurrently, on Managed Instances), so the state lives
 * in the invocation's InvokeStore context: concurrent invocations never see each other's segments.
 * Without an InvokeStore (another runtime, a test) one process-wide slot is kept and replaced when
 * the trace header changes, as aws-xray-sdk-core resets its facade.
 *
 * Inside captured handlers and methods xray-edge's context holds a FrameEntity: its frame comes
 * first, then the invocation's slot, then the context's own entity (a `traceHandler`'s `## handler`,
 * the custom runtime's), then the facade.
 */
import { parseTraceHeader, Segment, Subsegment, type Tracer as CoreTracer } from "../host/index.ts";
import type { TraceEntity } from "../../core/entity.ts";
import { inert } from "../context/inert.ts";
import { currentScope } from "../context/storage.ts";
import { ambientHeader } from "../lambda/header.ts";
import { FrameEntity, type Frame, PowertoolsSegment, type Say } from "./entity.ts";

interface InvokeStoreLike {
  hasContext?: () => boolean;
  get?: (key: symbol) => unknown;
  set?: (key: symbol, value: unknown) => void;
}

/** Registered: every copy of the package in a process keeps its state under the same key. */
const SLOT = Symbol.for("xray-edge.powertools.invocation");
const PROCESS = Symbol.for("xray-edge.powertools.process-slot");

export interface Slot {
  /** The trace header it was made for ("" when there was none). */
  header: string;
  facade: PowertoolsSegment;
  frame: Frame;
  /** Set when the handler's capture ended and closed the facade: a later call gets a new slot. */
  ended?: boolean;
}

function invokeStore(): InvokeStoreLike | undefined {
  try {
    const store = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreLike } }).awslambda?.InvokeStore;
    if (store && typeof store.get === "function" && typeof store.set === "function" && store.hasContext?.() === true) return store;
  } catch {
    // an InvokeStore that throws is as good as none
  }
  return undefined;
}

/**
 * The invocation state of code running now. `tracer` begins the facade when the header asks for
 * one (Root, Parent and Sampled=1 or 0); any other header gives a facade that records nothing.
 */
export function invocationSlot(tracer: () => CoreTracer, say: Say): Slot {
  const header = ambientHeader() ?? "";
  const store = invokeStore();
  let slot: Slot | undefined;
  try {
    slot = (store ? store.get!(SLOT) : (globalThis as { [PROCESS]?: Slot })[PROCESS]) as Slot | undefined;
  } catch {
    slot = undefined;
  }
  if (slot && slot.header === header && !slot.ended) return slot;
  slot = { header, facade: new PowertoolsSegment(facadeFor(header, tracer, say), "facade", true, say), frame: { entity: undefined } };
  try {
    if (store) store.set!(SLOT, slot);
    else (globalThis as { [PROCESS]?: Slot })[PROCESS] = slot;
  } catch {
    // not kept: the next call makes another (its segments are still recorded)
  }
  return slot;
}

function facadeFor(header: string, tracer: () => CoreTracer, say: Say): TraceEntity {
  const h = header ? parseTraceHeader(header) : undefined;
  if (!h) {
    say(
      header ? "header:malformed" : "header:missing",
      header
        ? `malformed trace header "${header.slice(0, 120)}": invocations with one run untraced`
        : "no trace header (InvokeStore, _X_AMZN_TRACE_ID): invocations without one run untraced",
    );
    return inert;
  }
  // Root without Parent, or no sampling decision: Lambda did not trace the function; nothing to record
  if (h.parent === undefined || (h.sampled !== true && h.sampled !== false)) return inert;
  try {
    return tracer().beginSegment("facade", { traceHeader: header, facade: true });
  } catch {
    return inert;
  }
}

/**
 * Ends the invocation's facade once the handler's subsegment under it has closed, as traceHandler
 * ends its own: the core frees it now rather than when its handle is collected (under many
 * concurrent invocations, uncollected facades would count against the core's entity cap).
 */
export function endFacade(s: Slot, parent: PowertoolsSegment): void {
  if (parent !== s.facade || s.ended) return;
  s.ended = true;
  try {
    PowertoolsSegment.raw(s.facade).close();
  } catch {
    // the core reclaims it with its handle
  }
}

/** The context's FrameEntity, if a captured handler or method runs now. */
export function currentFrameEntity(): FrameEntity | undefined {
  try {
    const scope = currentScope();
    return scope instanceof FrameEntity ? scope : undefined;
  } catch {
    return undefined;
  }
}

/** The frame `setSegment` writes: the running capture's, else the invocation's. */
export function currentFrame(slot: () => Slot): Frame {
  return currentFrameEntity()?.frame ?? slot().frame;
}

/**
 * Powertools' current segment: the running capture's frame, the invocation's `setSegment`, the
 * context's own entity (a traceHandler's subsegment), else the invocation's facade.
 */
export function currentSegment(slot: () => Slot, say: Say, handlerName: string): PowertoolsSegment {
  const frame = currentFrameEntity();
  if (frame) return frame.current();
  return outside(slot(), say, handlerName);
}

/** What holds outside a capture: the invocation's slot, then the context, then the facade. */
export function outside(s: Slot, say: Say, handlerName: string): PowertoolsSegment {
  if (s.frame.entity) return s.frame.entity;
  try {
    const scope = currentScope();
    if (typeof scope === "object" && scope !== null && !(scope instanceof FrameEntity)) {
      return new PowertoolsSegment(scope, isRuntimeHandler(scope, s) ? `## ${handlerName}` : "subsegment", false, say);
    }
  } catch {
    // the facade, then
  }
  return s.facade;
}

/**
 * Whether `entity` is the custom runtime's (or a traceHandler's) `## handler` subsegment: a
 * subsegment directly under a segment on this invocation's header, the facade traceHandler begins.
 * Both take the name from `_HANDLER`, so the names agree; captureLambdaHandler then records into
 * it rather than nesting a second `## handler`.
 */
export function isRuntimeHandler(entity: TraceEntity, s: Slot): boolean {
  try {
    if (!(entity instanceof Subsegment) || !(entity.parent instanceof Segment)) return false;
    const h = parseTraceHeader(s.header);
    return (
      h !== undefined && entity.parent.id === h.parent && entity.traceId === h.root && entity.parent !== PowertoolsSegment.raw(s.facade)
    );
  } catch {
    return false;
  }
}
