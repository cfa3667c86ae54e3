/**
 * The current segment, and subsegments around a function: `getSegment`, `capture`,
 * `captureAsync`, `withSegment`. Each accepts an explicit parent for code that runs where the
 * runtime has no AsyncLocalStorage (checked as parent.ts says: a bad one is ignored, never thrown
 * over). A missing context is handled as AWS_XRAY_CONTEXT_MISSING says.
 */
import type { SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { inert } from "./inert.ts";
import { beginUnder, entityOrWhat, headerOf, ignoredParent } from "./parent.ts";
import { currentScope, registry, runIn, settings } from "./storage.ts";
import { says } from "./settings.ts";

/** Thrown when there is no segment in context and AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR. */
export class ContextMissingError extends Error {
  override name = "ContextMissingError";
}

/**
 * The context's segment or subsegment, for `what` (the caller's name, for the message). When
 * there is none: undefined, after what AWS_XRAY_CONTEXT_MISSING asks (LOG_ERROR: said once;
 * RUNTIME_ERROR: throws; IGNORE_ERROR: nothing). An invocation run untraced on purpose (no or
 * malformed header, pass-through, tracing disabled) is not "missing" and says nothing.
 */
export function resolveParent(what: string): TraceEntity | undefined {
  const s = settings();
  if (!s.enabled) return undefined;
  const scope = currentScope();
  if (typeof scope === "object") return scope;
  if (typeof scope === "string") return undefined;
  const message = `${what}: no segment in context (outside a traced handler, or in code AsyncLocalStorage does not follow: pass the parent explicitly)`;
  if (s.contextMissing === "RUNTIME_ERROR") throw new ContextMissingError(`${message} [AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR]`);
  if (s.contextMissing === "LOG_ERROR" && says(s.logLevel, "error")) {
    const said = registry().said;
    if (!said.has(what)) {
      said.add(what);
      try {
        console.error(`[xray-edge] ${message}; said once per call kind (AWS_XRAY_CONTEXT_MISSING=LOG_ERROR)`);
      } catch {
        // tracing never breaks the program
      }
    }
  }
  return undefined;
}

/** The current segment or subsegment (see resolveParent for when there is none). */
export function getSegment(): TraceEntity | undefined {
  return resolveParent("getSegment");
}

/**
 * The `X-Amzn-Trace-Id` to send downstream from here: `parent`'s, else the current entity's, or in
 * a pass-through invocation the incoming header unchanged; undefined when there is nothing to
 * propagate (a bad `parent` included, after one warning). Says nothing when the context is missing.
 */
export function currentTraceHeader(parent?: TraceEntity): string | undefined {
  if (!settings().enabled) return undefined;
  if (parent !== undefined) {
    const p = entityOrWhat(parent);
    if (typeof p === "string") return void ignoredParent("currentTraceHeader", p);
    return headerOf(p);
  }
  return passedOn();
}

/** The context's header: its entity's, or a pass-through invocation's incoming one. */
function passedOn(): string | undefined {
  const scope = currentScope();
  if (typeof scope === "object") return headerOf(scope);
  return scope || undefined;
}

/**
 * Runs `fn` with `entity` as the current segment (for segments begun by hand, e.g. in a worker).
 * An `entity` that is not one is ignored with one warning: `fn` runs untraced.
 */
export function withSegment<R>(entity: TraceEntity, fn: () => R): R {
  const e = entityOrWhat(entity);
  if (typeof e === "string") {
    ignoredParent("withSegment", e);
    return runIn("", fn); // untraced on purpose: captures inside record nothing and say nothing
  }
  return runIn(e, fn);
}

/** What one call is recorded in, and the header it sends downstream. */
export interface Begun {
  /** Undefined when the call is not recorded. */
  sub: TraceEntity | undefined;
  /** The subsegment's header; without one, a pass-through invocation's; else undefined. */
  header: string | undefined;
}

const NOTHING: Begun = { sub: undefined, header: undefined };

/**
 * Begins the subsegment for one call, under `parent` when one is given (undefined: none),
 * else under the context's entity. Throws only under AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR with
 * neither, which asks for exactly that; a bad `parent` is ignored with one warning (parent.ts).
 */
export function beginCall(what: string, name: string, options: SubsegmentOptions | undefined, parent: unknown): Begun {
  if (!settings().enabled) return NOTHING; // AWS_XRAY_SDK_ENABLED=false: explicit parents too
  if (parent !== undefined) {
    const sub = beginUnder(what, parent, name, options);
    return { sub, header: headerOf(sub) };
  }
  const p = resolveParent(what);
  if (!p) return { sub: undefined, header: passedOn() };
  // The context holds only entities checked on their way in, but checked once is not trusted.
  const sub = beginUnder(what, p, name, options);
  return { sub, header: headerOf(sub) };
}

/**
 * beginCall's subsegment alone, for callers that send no header downstream (capture,
 * captureAsync, beginSubsegment): building the header text costs more than beginning the
 * subsegment's handle, and they would throw it away.
 */
function beginSub(what: string, name: string, options: SubsegmentOptions | undefined, parent: unknown): TraceEntity | undefined {
  if (!settings().enabled) return undefined;
  if (parent !== undefined) return beginUnder(what, parent, name, options);
  const p = resolveParent(what);
  return p ? beginUnder(what, p, name, options) : undefined;
}

/**
 * Runs `fn` in a new subsegment `name` of the current segment (or of `parent`), closed when `fn`
 * returns. What `fn` throws is recorded (cause and fault) and rethrown unchanged. For functions
 * that return a promise, use captureAsync: this closes the subsegment before the promise settles.
 */
export function capture<R>(name: string, fn: (subsegment: TraceEntity) => R, parent?: TraceEntity): R {
  const sub = beginSub("capture", name, undefined, parent) ?? inert;
  return runIn(sub, () => {
    let result: R;
    try {
      result = fn(sub);
    } catch (error) {
      end(sub, true, error);
      throw error;
    }
    end(sub, false, undefined);
    return result;
  });
}

/**
 * Like capture, for an async function: the subsegment closes when its promise settles; a
 * rejection is recorded (cause and fault) and passed on unchanged.
 */
export function captureAsync<R>(name: string, fn: (subsegment: TraceEntity) => R | PromiseLike<R>, parent?: TraceEntity): Promise<R> {
  const sub = beginSub("captureAsync", name, undefined, parent) ?? inert;
  // One reaction on fn's result rather than an async wrapper awaiting it: two promises and a tick
  // less per call. The reactions need no context (end only closes), so they are attached outside.
  let pending: R | PromiseLike<R>;
  try {
    pending = runIn(sub, () => fn(sub));
  } catch (error) {
    end(sub, true, error);
    return Promise.reject(error);
  }
  return Promise.resolve(pending).then(
    (result) => {
      end(sub, false, undefined);
      return result;
    },
    (error: unknown) => {
      end(sub, true, error);
      throw error;
    },
  );
}

/** Records `error` (when `failed`) and closes `sub`; never throws, so `fn`'s outcome is what the caller gets. */
function end(sub: TraceEntity, failed: boolean, error: unknown): void {
  try {
    if (failed) sub.addError(error);
  } catch {
    // a parent of the caller's that begot a subsegment which throws: the outcome is not recorded
  }
  try {
    sub.close();
  } catch {
    // idem
  }
}

/**
 * Begins a subsegment of the current segment (or `parent`) for instrumentation that opens and
 * closes it itself. Undefined when there is no context (or a bad parent): the call is not recorded.
 */
export function beginSubsegment(what: string, name: string, options?: SubsegmentOptions, parent?: TraceEntity): TraceEntity | undefined {
  return beginSub(what, name, options, parent);
}
