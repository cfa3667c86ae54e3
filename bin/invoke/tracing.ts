/**
 * Lambda's tracing decision for one invocation, made where Lambda makes it: when the service
 * receives the request. Its inputs are the function's tracing mode, the caller's (upstream) trace
 * header if any, and for tests an override of the decision. Its outputs are the
 * Lambda-Runtime-Trace-Id the runtime gets and, when the invocation is sampled, what Lambda's own
 * segments need (lambda-segments.ts).
 *
 * Lambda's documentation (see the README's section on the emulator):
 * - Active: "Lambda will respect any tracing header it receives from an upstream service. If no
 *   tracing header is received, Lambda will sample the request based on a fixed rate", and "the
 *   default sampling rule is 1 request per second and 5 percent of additional requests".
 * - PassThrough: "Lambda will only trace the request from an upstream service if it contains a
 *   tracing header with sampled=1"; the function still gets a header, here with Sampled=0.
 * The header the function gets names, as Parent, the `Invocation` subsegment of the function
 * segment: "you can use the X-Ray SDK to extend the Invocation subsegment".
 */
import { newParentId, newTraceId, type Sampling } from "./ids.ts";
import type { InvokeOptions } from "./types.ts";

export type TracingMode = "active" | "passthrough";
export const TRACING_MODES: readonly TracingMode[] = ["active", "passthrough"];

/** The rate applied once the second's reservoir is used: X-Ray's default rule, Lambda's fixed rate. */
export const FIXED_RATE = 0.05;

/**
 * X-Ray's default rule as Lambda applies it to requests without a decision: the first request of
 * each wall-clock second is sampled (a reservoir of one per second), then 5% of the others.
 * `now` (epoch ms) and `random` ([0, 1)) are injectable so that a test checks the rule exactly.
 */
export class LambdaSampler {
  private second = Number.NaN;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {}

  sample(): boolean {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.second) {
      this.second = second;
      return true;
    }
    return this.random() < FIXED_RATE;
  }
}

/** An upstream service's trace header, as far as Lambda uses it. */
export interface UpstreamHeader {
  root: string;
  parent?: string;
  /** Absent, or `?` (a decision requested): the mode decides. */
  sampled?: "0" | "1";
}

const ROOT = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
/** A value as a message shows it: quoted, escaped, cut at 60 characters. */
const shown = (v: string): string => JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
const ID = /^[0-9a-f]{16}$/;

/**
 * `Root=1-…;Parent=…;Sampled=…` from an upstream service: Root required, Parent and Sampled
 * optional, any other field ignored (the emulator builds the function's header afresh, so nothing
 * unchecked is passed on). Throws a TypeError saying what is wrong, for `what` (the option's name).
 */
export function parseUpstreamHeader(text: string, what: string): UpstreamHeader {
  const fields = new Map<string, string>();
  for (const part of text.split(";")) {
    const trimmed = part.trim();
    if (trimmed === "") continue;
    const eq = trimmed.indexOf("=");
    if (eq <= 0) throw new TypeError(`${what} must be Key=Value fields separated by ';', and ${shown(trimmed)} is not one`);
    const key = trimmed.slice(0, eq).trim();
    if (!fields.has(key)) fields.set(key, trimmed.slice(eq + 1).trim());
  }
  const root = fields.get("Root");
  if (root === undefined || !ROOT.test(root))
    throw new TypeError(`${what} needs Root=1-<8 hex digits>-<24 hex digits>, not ${shown(root ?? text)}`);
  const header: UpstreamHeader = { root };
  const parent = fields.get("Parent");
  if (parent !== undefined) {
    if (!ID.test(parent) || /^0+$/.test(parent))
      throw new TypeError(`${what}: Parent must be 16 hex digits, not all zero, not ${shown(parent)}`);
    header.parent = parent;
  }
  const sampled = fields.get("Sampled");
  if (sampled !== undefined) {
    if (sampled !== "0" && sampled !== "1" && sampled !== "?")
      throw new TypeError(`${what}: Sampled must be 0, 1 or ?, not ${shown(sampled)}`);
    if (sampled !== "?") header.sampled = sampled;
  }
  return header;
}

/** What Lambda's own segments of a sampled invocation hang from. */
export interface LambdaTrace {
  traceId: string;
  /** The `Invocation` subsegment's ID: the Parent the function gets. */
  invocationId: string;
  /** The upstream caller's Parent: the service segment's parent_id. */
  upstreamParent?: string;
}

export interface TraceDecision {
  /** Lambda-Runtime-Trace-Id, or null for none. */
  header: string | null;
  /** Set when Lambda records this invocation (Sampled=1). */
  lambda?: LambdaTrace;
}

export interface DecisionInput {
  mode: TracingMode;
  /** This invocation's override (tests): the decision is this, whatever else is given. */
  sampled?: Sampling;
  upstream?: UpstreamHeader;
  /** The emulator's override (`--sampled`): below an upstream decision, above the mode. */
  fallback?: Sampling;
  /** An exact header to send (tests); Lambda's segments follow its Root, Parent and Sampled=1. */
  exact?: string | null;
}

/**
 * The decision for one invocation: the override, else the upstream header's Sampled, else the
 * emulator's override, else the mode (`sampler` is consulted only then, in active mode).
 */
export function decideTrace(input: DecisionInput, sampler: LambdaSampler, nowMs: number = Date.now()): TraceDecision {
  if (input.exact !== undefined) return exactDecision(input.exact);
  const decided: Sampling =
    input.sampled ?? input.upstream?.sampled ?? input.fallback ?? (input.mode === "active" && sampler.sample() ? "1" : "0");
  if (decided === "none") return { header: null };
  const traceId = input.upstream?.root ?? newTraceId(nowMs);
  const invocationId = newParentId();
  const header = `Root=${traceId};Parent=${invocationId};Sampled=${decided}`;
  if (decided === "0") return { header };
  const lambda: LambdaTrace = { traceId, invocationId };
  if (input.upstream?.parent !== undefined) lambda.upstreamParent = input.upstream.parent;
  return { header, lambda };
}

/**
 * What an invocation keeps of its decision (Pending's traceHeader and lambda), for invoke(); it
 * decides when the request arrives, as Lambda does. Throws as invocationTrace does.
 */
export function traceFields(
  options: InvokeOptions,
  settings: { tracing: TracingMode; sampling?: Sampling },
  sampler: LambdaSampler,
): { traceHeader: string | null; lambda?: LambdaTrace } {
  const { header, lambda } = invocationTrace(options, settings, sampler);
  return lambda ? { traceHeader: header, lambda } : { traceHeader: header };
}

/** decideTrace for an invoke() call; throws a TypeError naming upstreamHeader when it is malformed. */
export function invocationTrace(
  options: InvokeOptions,
  settings: { tracing: TracingMode; sampling?: Sampling },
  sampler: LambdaSampler,
): TraceDecision {
  const input: DecisionInput = { mode: settings.tracing };
  if (options.traceHeader !== undefined) input.exact = options.traceHeader;
  if (options.sampled !== undefined) input.sampled = options.sampled;
  if (settings.sampling !== undefined) input.fallback = settings.sampling;
  if (options.upstreamHeader !== undefined) {
    if (typeof options.upstreamHeader !== "string") throw new TypeError("invoke: upstreamHeader must be a string");
    input.upstream = parseUpstreamHeader(options.upstreamHeader, "invoke: upstreamHeader");
  }
  return decideTrace(input, sampler);
}

function exactDecision(header: string | null): TraceDecision {
  if (header === null) return { header };
  const field = (key: string): string | undefined => new RegExp(`(?:^|;)\\s*${key}=([^;]*)`).exec(header)?.[1]?.trim();
  const traceId = field("Root");
  const invocationId = field("Parent");
  if (field("Sampled") !== "1" || !traceId || !ROOT.test(traceId) || !invocationId || !ID.test(invocationId)) return { header };
  return { header, lambda: { traceId, invocationId } };
}
