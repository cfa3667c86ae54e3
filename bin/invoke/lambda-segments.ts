/**
 * Lambda's own segments, sent for each sampled invocation as Lambda sends them, so that a local
 * trace is whole, its root present, as it is in X-Ray:
 * - the service segment (origin `AWS::Lambda`): the invocation request as the service sees it,
 *   from its arrival (invoke()) to the response; its parent is the upstream caller's Parent, if any;
 * - the function segment (origin `AWS::Lambda::Function`), the service segment's child, with the
 *   subsegments `Initialization` (the runtime's init: process start to its first `next`; on the
 *   first invocation of an execution environment only), `Invocation` (the event handed over to the
 *   response; its ID is the Parent the function gets, so the function's own subsegments hang
 *   under it) and `Overhead` (the response to the runtime's next `next`).
 * Both go out once Overhead has ended (the next `next`, the runtime's exit, or the emulator's
 * close), the function segment first: a daemon that assembles traces then has the whole tree
 * before it sees the root complete. Sampled=0: nothing is sent, as on Lambda.
 */
import dgram from "node:dgram";
import { performance } from "node:perf_hooks";
import { parseDaemonAddress } from "../../adapters/udp/address.ts";
import { validateDocument } from "../../core/validate.ts";
import { newParentId } from "./ids.ts";
import type { Pending } from "./invocation.ts";
import type { LambdaTrace } from "./tracing.ts";

const HEADER = '{"format": "json", "version": 1}\n';
/** How long close() waits for the last sends to call back. */
const CLOSE_WAIT_MS = 1000;

/** One invocation's instants, in epoch milliseconds. */
export interface InvocationTimes {
  /** The request reached the service (invoke()). */
  receivedAt: number;
  /** The runtime's init, on the first invocation of an execution environment. */
  init?: { start: number; end: number };
  /** The event was handed to the runtime's `next`. */
  deliveredAt: number;
  /** The response (or error, or timeout) ended the invocation. */
  respondedAt: number;
}

export interface SegmentFacts {
  functionName: string;
  arn: string;
  requestId: string;
  /** The invocation did not succeed (an error, a timeout, a response too large). */
  failed: boolean;
  /** The runtime's `Lambda-Runtime-Function-XRay-Error-Cause`, parsed: the runtime's word, unchecked. */
  cause?: unknown;
}

type Doc = Record<string, unknown>;

const s = (ms: number): number => Math.round(ms * 10) / 10_000;

/** The function segment and the service segment of one invocation, in that order. */
export function lambdaDocuments(trace: LambdaTrace, times: InvocationTimes, overheadEnd: number, facts: SegmentFacts): [Doc, Doc] {
  const serviceId = newParentId();
  const end = Math.max(overheadEnd, times.respondedAt);
  const fault = facts.failed ? { fault: true } : {};
  const subsegments: Doc[] = [];
  if (times.init)
    subsegments.push({ id: newParentId(), name: "Initialization", start_time: s(times.init.start), end_time: s(times.init.end) });
  subsegments.push({
    id: trace.invocationId,
    name: "Invocation",
    start_time: s(times.deliveredAt),
    end_time: s(times.respondedAt),
    ...fault,
  });
  subsegments.push({ id: newParentId(), name: "Overhead", start_time: s(times.respondedAt), end_time: s(end) });
  const fn: Doc = {
    name: facts.functionName,
    id: newParentId(),
    trace_id: trace.traceId,
    parent_id: serviceId,
    start_time: s(times.init?.start ?? times.deliveredAt),
    end_time: s(end),
    origin: "AWS::Lambda::Function",
    resource_arn: facts.arn,
    aws: { request_id: facts.requestId },
    ...fault,
    subsegments,
  };
  const service: Doc = {
    name: facts.functionName,
    id: serviceId,
    trace_id: trace.traceId,
    ...(trace.upstreamParent !== undefined ? { parent_id: trace.upstreamParent } : {}),
    start_time: s(times.receivedAt),
    end_time: s(times.respondedAt),
    origin: "AWS::Lambda",
    resource_arn: facts.arn,
    // The Invoke API answers a function's error with 200 too (and X-Amz-Function-Error).
    http: { response: { status: 200 } },
    aws: { request_id: facts.requestId },
  };
  if (facts.cause !== undefined) withCause(fn, subsegments[times.init ? 1 : 0] as Doc, facts.cause);
  return [fn, service];
}

/**
 * The runtime's X-Ray error cause on the Invocation subsegment, where the function's error
 * happened (Lambda's documentation names the header, not where the cause lands; the Invocation
 * subsegment is where the console shows a function's exception). Runtimes send exceptions without
 * the `id` the schema asks of each (Lambda's Node runtime does), so one is given. The header comes
 * from the function's process: kept only as an object, and only if the document then validates.
 */
function withCause(fn: Doc, invocation: Doc, cause: unknown): void {
  if (typeof cause !== "object" || cause === null || Array.isArray(cause)) return;
  const copy: Doc = { ...(cause as Doc) };
  if (Array.isArray(copy.exceptions))
    copy.exceptions = copy.exceptions.map((e: unknown) =>
      typeof e === "object" && e !== null && !Array.isArray(e) && (e as Doc).id === undefined ? { id: newParentId(), ...(e as Doc) } : e,
    );
  invocation.cause = copy;
  if (validateDocument(fn).length > 0) delete invocation.cause;
}

/**
 * An invocation's instants from what the emulator keeps of it (performance.now() readings), on the
 * wall clock of now: performance.timeOrigin is read once at process start, and a long-running
 * emulator's monotonic clock drifts from the wall clock the function's own documents use.
 */
export function invocationTimes(p: Pending, respondedAt: number = performance.now()): InvocationTimes | undefined {
  if (p.deliveredAt === undefined) return undefined;
  const anchor = Date.now() - performance.now();
  const epoch = (t: number): number => anchor + t;
  const times: InvocationTimes = { receivedAt: epoch(p.queuedAt), deliveredAt: epoch(p.deliveredAt), respondedAt: epoch(respondedAt) };
  if (p.initDurationMs !== undefined && p.sandbox) {
    const start = epoch(p.sandbox.spawnedAt);
    times.init = { start, end: start + p.initDurationMs };
  }
  return times;
}

/**
 * The emulator's sender, when there is a daemon address and `functionSegment` is not false. A
 * malformed address is the runtime's to report; here it only means none of Lambda's segments.
 */
export function lambdaSegmentsFor(
  options: { functionSegment?: boolean },
  settings: { daemonAddress?: string | undefined; functionName: string; arn: string },
  log: (line: string) => void,
): LambdaSegments | undefined {
  if (!settings.daemonAddress || options.functionSegment === false) return undefined;
  try {
    return new LambdaSegments(settings.daemonAddress, { functionName: settings.functionName, arn: settings.arn }, log);
  } catch {
    return undefined;
  }
}

export interface LambdaSegmentStats {
  sent: number;
  /** Datagrams the socket refused (no daemon listening is not one: UDP does not know). */
  failed: number;
}

/**
 * Holds each ended sampled invocation until its Overhead ends, then sends its two documents.
 * Every document is counted as sent or failed; the first failure is logged, naming the address.
 */
export class LambdaSegments {
  private waiting: Array<{ trace: LambdaTrace; times: InvocationTimes; facts: SegmentFacts }> = [];
  private readonly socket: dgram.Socket;
  private readonly to: { host: string; port: number };
  private readonly counts: LambdaSegmentStats = { sent: 0, failed: 0 };
  private closed = false;
  private sending = 0;
  private drained: Array<() => void> = [];

  /** Throws for an address parseDaemonAddress refuses. */
  constructor(
    private readonly address: string,
    private readonly fn: { functionName: string; arn: string },
    private readonly log: (line: string) => void,
  ) {
    const udp = parseDaemonAddress(address).udp;
    this.to = { host: udp.host, port: udp.port };
    this.socket = dgram.createSocket(udp.family === 6 ? "udp6" : "udp4");
    this.socket.on("error", (e) => this.failed(e));
    this.socket.unref();
  }

  /** An invocation ended: if it is sampled and reached a runtime, its segments wait for the end of its Overhead. */
  ended(p: Pending, failed: boolean, cause?: unknown): void {
    const times = invocationTimes(p);
    if (this.closed || !p.lambda || !times) return;
    const facts: SegmentFacts = { ...this.fn, requestId: p.requestId, failed };
    if (cause !== undefined) facts.cause = cause;
    this.waiting.push({ trace: p.lambda, times, facts });
  }

  /** The runtime asked for its next event (or exited, or the emulator closes): Overhead ends now. */
  overheadEnded(atMs: number = Date.now()): void {
    const ready = this.waiting;
    this.waiting = [];
    for (const { trace, times, facts } of ready) for (const doc of lambdaDocuments(trace, times, atMs, facts)) this.send(doc);
  }

  stats(): LambdaSegmentStats {
    return { ...this.counts };
  }

  /**
   * Sends what still waits, then closes the socket once every send has called back, or after
   * CLOSE_WAIT_MS (a daemon host name whose lookup hangs must not hang close()): those count as failed.
   */
  async close(): Promise<void> {
    this.overheadEnded();
    this.closed = true;
    // Closing at once would drop the datagrams still queued in the socket.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_WAIT_MS)));
    while (this.sending > 0) {
      if (await Promise.race([new Promise<boolean>((resolve) => this.drained.push(() => resolve(false))), gaveUp])) {
        const left = this.sending;
        this.sending = 0;
        this.failed(new Error(`${left} sends not done ${CLOSE_WAIT_MS} ms after close`));
        this.counts.failed += left - 1;
      }
    }
    clearTimeout(timer);
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  private send(doc: Doc): void {
    this.sending++;
    const done = (error?: Error | null): void => {
      if (this.sending === 0) return; // given up on by close(), already counted as failed
      this.sending--;
      if (error) this.failed(error);
      else this.counts.sent++;
      if (this.sending === 0) for (const resolve of this.drained.splice(0)) resolve();
    };
    try {
      this.socket.send(HEADER + JSON.stringify(doc), this.to.port, this.to.host, done);
    } catch (error) {
      done(error as Error);
    }
  }

  private failed(error: Error): void {
    this.counts.failed++;
    if (this.counts.failed === 1)
      this.log(
        `xray-edge invoke: Lambda's segments could not be sent to ${this.address}: ${error.message} (later failures are counted, not logged)`,
      );
  }
}
