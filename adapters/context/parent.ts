/**
 * Explicit parents (`capture(name, fn, parent)`, fetch's `xrayParent`, the adapters' `parent`
 * options) are the caller's input, so hostile until checked: null, a number, `{}`, a Proxy whose
 * every read throws, an object whose beginSubsegment throws or returns junk. Such a parent is
 * ignored with one warning (per kind of call, per process) and the call runs unrecorded: the
 * caller named where it belongs, so the context is not asked instead (that could put it in
 * another trace, or throw under AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR). An entity already closed
 * or sent is a real entity: the core ignores what is begun under it, with its own warning.
 */
import type { SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { says } from "./settings.ts";
import { registry, settings } from "./storage.ts";

/**
 * `value` when it has `method` (by default beginSubsegment, what a parent is asked for), read
 * without trusting it; else what it is instead, for the warning. Every other call made on an
 * entity by the adapters is wrapped, so this is all that needs checking up front.
 */
export function entityOrWhat(value: unknown, method = "beginSubsegment"): TraceEntity | string {
  if (value === null) return "null";
  if (typeof value !== "object" && typeof value !== "function") return `a ${typeof value}`;
  try {
    if (typeof (value as Record<string, unknown>)[method] !== "function") return `an object without ${method}()`;
  } catch {
    return "an object that throws when read";
  }
  return value as TraceEntity;
}

/** Says once per kind of call that its explicit parent was ignored, as AWS_XRAY_LOG_LEVEL allows. */
export function ignoredParent(what: string, why: string): void {
  const said = registry().said;
  const key = `parent:${what}`;
  if (said.has(key) || !says(settings().logLevel, "warn")) return;
  said.add(key);
  try {
    console.warn(
      `[xray-edge] ${what}: explicit parent ignored (${why}): not a live segment or subsegment; the call runs unrecorded (said once per call kind)`,
    );
  } catch {
    // tracing never breaks the program
  }
}

/** A subsegment of the explicit `parent`; undefined (after one warning) when it cannot give one. */
export function beginUnder(what: string, parent: unknown, name: string, options?: SubsegmentOptions): TraceEntity | undefined {
  const p = entityOrWhat(parent);
  if (typeof p === "string") return void ignoredParent(what, p);
  let sub: unknown;
  try {
    sub = p.beginSubsegment(name, options);
  } catch (error) {
    return void ignoredParent(what, `its beginSubsegment threw ${describe(error)}`);
  }
  const s = entityOrWhat(sub, "close"); // a subsegment that cannot be closed would never be sent
  if (typeof s === "string") return void ignoredParent(what, `its beginSubsegment returned ${s}`);
  return s;
}

/** An entity's `traceHeader` when it is a non-empty string; never throws. */
export function headerOf(entity: unknown): string | undefined {
  try {
    const h = (entity as { traceHeader?: unknown } | null | undefined)?.traceHeader;
    return typeof h === "string" && h !== "" ? h : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  try {
    return error instanceof Error ? `"${error.message.slice(0, 100)}"` : "a non-Error";
  } catch {
    return "an unreadable error";
  }
}
