/**
 * One traced invocation: the facade on the incoming header, the `## <handler>` subsegment around
 * the handler (ColdStart and Service annotations, the response as metadata, an error as a cause
 * with the fault flag), the context the handler runs in, and the flush before Lambda gets the
 * result. Nothing here throws into the handler's caller except the handler's own error.
 */
import type { Tracer } from "../host/index.ts";
import type { Subsegment } from "../../core/entity.ts";
import type { Logger } from "../../core/log.ts";
import { runInvocation, takeColdStart, type Scope } from "../context/storage.ts";
import { formatTraceHeader, parseTraceHeader } from "../host/index.ts";
import { propagatable } from "../../core/header.ts";
import { classify, incomingHeader } from "./header.ts";
import { armDeadline } from "./deadline.ts";
import type { Env } from "../context/settings.ts";

export interface InvocationOptions {
  /** The subsegment is named `## <name>`. */
  name: string;
  service: string;
  captureResponse: boolean;
  captureError: boolean;
  /** Sends the handler's subsegment in progress this long before the context's deadline. */
  deadlineMarginMs: number;
  /** AWS_LAMBDA_MAX_CONCURRENCY is set: `_X_AMZN_TRACE_ID` is not read (header.ts). */
  concurrent: boolean;
}

export class InvocationTracer {
  private readonly said = new Set<string>();

  constructor(
    private readonly tracer: Tracer,
    private readonly options: InvocationOptions,
    private readonly env: Env,
    private readonly logger: Logger,
  ) {}

  /**
   * Runs `handler` traced; resolves or rejects as it does, after every datagram is sent. With a
   * Lambda `context`, what has finished is sent before its deadline (deadline.ts).
   */
  async invoke<R>(handler: () => R | PromiseLike<R>, context?: unknown): Promise<R> {
    // Taken before anything can fail, so that exactly one invocation per thread is the cold one.
    const cold = takeColdStart();
    let begun: { segment?: ReturnType<Tracer["beginSegment"]>; sub?: Subsegment; scope: Scope };
    try {
      begun = this.begin(cold, context);
    } catch {
      begun = { scope: "" }; // tracing failed: the handler still runs, untraced
    }
    const sub = begun.sub;
    const disarm = sub?.sampled ? armDeadline(context, this.options.deadlineMarginMs, () => this.beforeDeadline(sub)) : undefined;
    let result: R;
    try {
      result = await runInvocation(begun.scope, handler);
    } catch (error) {
      disarm?.();
      if (begun.sub) this.end(begun.segment, begun.sub, () => this.recordError(begun.sub!, error));
      await this.tracer.flush();
      throw error;
    }
    disarm?.();
    if (begun.sub) this.end(begun.segment, begun.sub, () => this.recordResponse(begun.sub!, result));
    await this.tracer.flush();
    return result;
  }

  /**
   * The deadline is near and the handler still runs: its subsegment goes out in progress, with
   * every subsegment closed in it, and the emitter is flushed, so a kill at the deadline loses
   * nothing that finished. If the handler ends after all, its close sends the subsegment again.
   */
  private beforeDeadline(sub: Subsegment): void {
    sub.sendInProgress();
    void this.tracer.flush();
  }

  private begin(cold: boolean, context: unknown): { segment?: ReturnType<Tracer["beginSegment"]>; sub?: Subsegment; scope: Scope } {
    const header = incomingHeader(this.env, context, this.options.concurrent);
    // The common case, Root, Parent and Sampled=1, in one parse: the core begins the facade. Any
    // other header leaves the facade unsampled, and is classified (parsed again) off that path.
    const segment = header === undefined ? undefined : this.tracer.beginSegment(this.options.name, { traceHeader: header, facade: true });
    if (segment?.sampled) {
      const sub = segment.beginSubsegment(`## ${this.options.name}`);
      sub.addAnnotation("ColdStart", cold);
      sub.addAnnotation("Service", this.options.service);
      return { segment, sub, scope: sub };
    }
    const kind = classify(header);
    if (kind === "missing" || kind === "malformed") {
      this.once(
        kind,
        kind === "missing"
          ? `no trace header (InvokeStore, context.xRayTraceId${this.options.concurrent ? "" : " or _X_AMZN_TRACE_ID"}): invocations without one run untraced`
          : `malformed trace header "${String(header).slice(0, 120)}": invocations with one run untraced`,
      );
      return { scope: "" };
    }
    // Passed downstream as given when it is a valid header; otherwise re-formatted by the rule
    // every propagated header follows (README "Trace headers"), so that a bad extra field costs
    // only that field, not the trace.
    if (kind === "pass-through" || !segment) return { scope: passThrough(header!) };
    // Sampled=0: nothing is recorded; downstream calls carry Sampled=0 with the facade as parent.
    const sub = segment.beginSubsegment(`## ${this.options.name}`);
    return { segment, sub, scope: sub };
  }

  private recordResponse(sub: Subsegment, result: unknown): void {
    if (this.options.captureResponse && result !== undefined)
      sub.addMetadata(`${this.options.name} response`, result, this.options.service);
  }

  private recordError(sub: Subsegment, error: unknown): void {
    if (this.options.captureError) sub.addError(error);
    else sub.addFaultFlag();
  }

  /** Records the outcome, then closes the subsegment (which sends it) and the facade. */
  private end(segment: { close(): void } | undefined, sub: Subsegment, record: () => void): void {
    try {
      record();
    } catch {
      // a getter on the response that throws: the response is not recorded
    }
    sub.close();
    segment?.close();
  }

  private once(kind: string, message: string): void {
    if (this.said.has(kind)) return;
    this.said.add(kind);
    this.logger.warn(message);
  }
}

/** The incoming header as it goes downstream: unchanged when valid, else canonical (or nothing). */
function passThrough(header: string): string {
  if (propagatable(header)) return header;
  const parsed = parseTraceHeader(header);
  return parsed ? formatTraceHeader(parsed) : "";
}
