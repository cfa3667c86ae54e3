/**
 * The invocation's trace header and what it asks for. Lambda's Node runtime gives it three ways,
 * read here in this order, the first that holds a non-empty string winning:
 *
 * 1. `globalThis.awslambda.InvokeStore.getXRayTraceId()` (`@aws/lambda-invoke-store`): the runtime
 *    runs each invocation inside `InvokeStore.run`, AsyncLocalStorage-backed when
 *    AWS_LAMBDA_MAX_CONCURRENCY is set, so it is this invocation's even among many at once.
 * 2. `context.xRayTraceId`: the context object the runtime hands this invocation.
 * 3. `_X_AMZN_TRACE_ID`: a process global the runtime sets before each invocation, so only while
 *    invocations run one at a time; under AWS_LAMBDA_MAX_CONCURRENCY Lambda's runtime no longer
 *    sets it, and whatever it holds belongs to no invocation in particular: it is not read.
 *
 * Each source is hostile: a store or context whose reads throw counts as one without a header.
 */
import { parseTraceHeader } from "../host/index.ts";
import { type Env, processEnv } from "../context/settings.ts";
import { loadConcurrency } from "./settings.ts";

type InvokeStoreGlobal = { awslambda?: { InvokeStore?: { getXRayTraceId?: () => unknown } } };

/** A usable header: a non-empty string (what it says is classified later). */
const usable = (h: unknown): h is string => typeof h === "string" && h !== "";

export function incomingHeader(env: Env, context: unknown, concurrent: boolean): string | undefined {
  try {
    const h = (globalThis as InvokeStoreGlobal).awslambda?.InvokeStore?.getXRayTraceId?.();
    if (usable(h)) return h;
  } catch {
    // an InvokeStore that fails is as good as none: the context follows
  }
  try {
    const h = (context as { xRayTraceId?: unknown } | null | undefined)?.xRayTraceId;
    if (usable(h)) return h;
  } catch {
    // a context whose getter throws: as good as one without the field
  }
  if (concurrent) return undefined;
  try {
    const h = env._X_AMZN_TRACE_ID;
    return usable(h) ? h : undefined;
  } catch {
    return undefined; // Deno without --allow-env throws per variable read
  }
}

/**
 * The header of the invocation running now, for the drop-in APIs, which are handed no context
 * object (aws-xray-sdk-core's and Powertools' calls take none): InvokeStore, else
 * `_X_AMZN_TRACE_ID` unless invocations run concurrently. Never throws: a malformed
 * AWS_LAMBDA_MAX_CONCURRENCY already failed the drop-in's import, and counts as concurrent here.
 */
export function ambientHeader(): string | undefined {
  let concurrent = true;
  try {
    concurrent = loadConcurrency();
  } catch {
    // unreachable after a clean import; the safe reading is the one that skips the global
  }
  return incomingHeader(processEnv(), undefined, concurrent);
}

/**
 * - `traced`: Root, Parent and Sampled=1: a facade on the header, subsegments sent.
 * - `unsampled`: Root, Parent and Sampled=0: nothing sent; Sampled=0 propagated.
 * - `pass-through`: Root without Parent, or no Sampled decision: nothing recorded; the header is
 *   passed downstream unchanged.
 * - `missing` / `malformed`: no header, or none with a valid Root: run untraced (said once).
 */
export type HeaderKind = "traced" | "unsampled" | "pass-through" | "missing" | "malformed";

export function classify(header: string | undefined): HeaderKind {
  if (header === undefined) return "missing";
  const h = parseTraceHeader(header);
  if (h === undefined) return "malformed";
  if (h.parent === undefined || (h.sampled !== true && h.sampled !== false)) return "pass-through";
  return h.sampled ? "traced" : "unsampled";
}
