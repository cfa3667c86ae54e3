/**
 * aws-xray-sdk-core's capture functions: `captureFunc` (closed when the function returns, a throw
 * recorded and rethrown), `captureAsyncFunc` (the function closes its subsegment itself) and
 * `captureCallbackFunc`. The function runs with its subsegment as the current one. As with the
 * peer, a `name` that is not a non-empty string or an `fcn` that is not a function throws (the
 * caller's mistake, at the call); without a segment the function runs unrecorded, called without
 * a subsegment, after one warning.
 */
import { runIn } from "../context/storage.ts";
import { resolveSegment } from "./context.ts";
import type { SegmentLike, Subsegment } from "./entities.ts";
import { isAutomaticMode, logOnce } from "./state.ts";

function validate(name: unknown, fcn: unknown): void {
  if (!name || typeof name !== "string") throw new Error('Param "name" must be a non-empty string.');
  if (typeof fcn !== "function") throw new Error('Param "fcn" must be a function.');
}

/** Runs `fn(sub)` with `sub` as the current entity (automatic mode), else just runs it. */
function within<T>(sub: Subsegment, fn: (sub: Subsegment) => T): T {
  return isAutomaticMode() ? runIn(sub, () => fn(sub)) : fn(sub);
}

export function captureFunc<T>(name: string, fcn: (subsegment?: Subsegment) => T, parent?: SegmentLike): T {
  validate(name, fcn);
  const parentSeg = resolveSegment(parent);
  if (!parentSeg) {
    logOnce("captureFunc", "warn", "Failed to capture function.");
    return fcn();
  }
  const current = parentSeg.addNewSubsegment(name);
  let result: T;
  try {
    result = within(current, fcn);
  } catch (e) {
    current.close(e as Error);
    throw e;
  }
  current.close();
  return result;
}

/** The function must call `subsegment.close()` (with the error, if any) itself, as with the peer. */
export function captureAsyncFunc<T>(name: string, fcn: (subsegment?: Subsegment) => T, parent?: SegmentLike): T {
  validate(name, fcn);
  const parentSeg = resolveSegment(parent);
  if (!parentSeg) {
    logOnce("captureAsyncFunc", "warn", "Failed to capture async function.");
    return fcn();
  }
  const current = parentSeg.addNewSubsegment(name);
  try {
    return within(current, fcn);
  } catch (e) {
    current.close(e as Error);
    throw e;
  }
}

/**
 * Returns a function that, when called, runs `fcn` with the same arguments in a subsegment of the
 * entity current now (captureFunc semantics).
 */
export function captureCallbackFunc<S extends any[], T>(name: string, fcn: (...args: S) => T, parent?: SegmentLike): (...args: S) => T {
  validate(name, fcn);
  const base = resolveSegment(parent);
  if (!base) {
    logOnce("captureCallbackFunc", "warn", "Failed to capture callback function.");
    return fcn;
  }
  return function (this: unknown, ...args: S): T {
    // The subsegment is appended to the arguments, as by the peer.
    return captureFunc(name, (sub) => fcn.apply(this, [...args, sub] as unknown as S), isAutomaticMode() ? undefined : base);
  };
}
