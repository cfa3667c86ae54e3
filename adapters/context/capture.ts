/**
 * The current segment, and subsegments around a function: `getSegment`, `capture`,
 * `captureAsync`, `withSegment`. Each accepts an explicit parent for code that runs where the
 * runtime has no AsyncLocalStorage. A missing context is handled as AWS_XRAY_CONTEXT_MISSING says.
 */
import type { SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { inert } from "./inert.ts";
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
export function resolveParent(what: string, parent: TraceEntity | undefined): TraceEntity | undefined {
  const s = settings();
  if (!s.enabled) return undefined; // AWS_XRAY_SDK_ENABLED=false: explicit parents too
  if (parent !== undefined) return parent;
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
  return resolveParent("getSegment", undefined);
}

/**
 * The `X-Amzn-Trace-Id` to send downstream from here: the current entity's, or in a pass-through
 * invocation the incoming header unchanged; undefined when there is nothing to propagate. Says
 * nothing when the context is missing.
 */
export function currentTraceHeader(parent?: TraceEntity): string | undefined {
  if (!settings().enabled) return undefined;
  if (parent !== undefined) return parent.traceHeader || undefined;
  const scope = currentScope();
  if (typeof scope === "object") return scope.traceHeader || undefined;
  return scope || undefined;
}

/** Runs `fn` with `entity` as the current segment (for segments begun by hand, e.g. in a worker). */
export function withSegment<R>(entity: TraceEntity, fn: () => R): R {
  return runIn(entity, fn);
}

function begin(what: string, name: string, parent: TraceEntity | undefined, options?: SubsegmentOptions): TraceEntity {
  const p = resolveParent(what, parent);
  return p ? p.beginSubsegment(name, options) : inert;
}

/**
 * Runs `fn` in a new subsegment `name` of the current segment (or of `parent`), closed when `fn`
 * returns. What `fn` throws is recorded (cause and fault) and rethrown unchanged. For functions
 * that return a promise, use captureAsync: this closes the subsegment before the promise settles.
 */
export function capture<R>(name: string, fn: (subsegment: TraceEntity) => R, parent?: TraceEntity): R {
  const sub = begin("capture", name, parent);
  return runIn(sub, () => {
    let result: R;
    try {
      result = fn(sub);
    } catch (error) {
      sub.addError(error);
      sub.close();
      throw error;
    }
    sub.close();
    return result;
  });
}

/**
 * Like capture, for an async function: the subsegment closes when its promise settles; a
 * rejection is recorded (cause and fault) and passed on unchanged.
 */
export function captureAsync<R>(name: string, fn: (subsegment: TraceEntity) => R | PromiseLike<R>, parent?: TraceEntity): Promise<R> {
  const sub = begin("captureAsync", name, parent);
  return runIn(sub, async () => {
    try {
      return await fn(sub);
    } catch (error) {
      sub.addError(error);
      throw error;
    } finally {
      sub.close();
    }
  });
}

/**
 * Begins a subsegment of the current segment (or `parent`) for instrumentation that opens and
 * closes it itself (fetch, AWS SDK). Undefined when there is no context: the call is not recorded.
 */
export function beginSubsegment(what: string, name: string, options?: SubsegmentOptions, parent?: TraceEntity): TraceEntity | undefined {
  const p = resolveParent(what, parent);
  return p?.beginSubsegment(name, options);
}
