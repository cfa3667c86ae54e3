/**
 * The invocation's trace header and what it asks for. Lambda gives it per invocation through
 * `awslambda.InvokeStore` (runtimes that run invocations concurrently) or `_X_AMZN_TRACE_ID`.
 */
import { parseTraceHeader } from "../host/index.ts";
import type { Env } from "../context/settings.ts";

type InvokeStoreGlobal = { awslambda?: { InvokeStore?: { getXRayTraceId?: () => unknown } } };

export function incomingHeader(env: Env): string | undefined {
  try {
    const h = (globalThis as InvokeStoreGlobal).awslambda?.InvokeStore?.getXRayTraceId?.();
    if (typeof h === "string" && h !== "") return h;
  } catch {
    // an InvokeStore that fails is as good as none: the environment variable follows
  }
  const h = env._X_AMZN_TRACE_ID;
  return h ? h : undefined;
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
