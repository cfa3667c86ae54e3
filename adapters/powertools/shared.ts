/**
 * What every Powertools Tracer of a process shares: one xray-edge tracer (and one UDP socket to
 * the daemon at AWS_XRAY_DAEMON_ADDRESS), the warnings (each kind said once), and the global fetch
 * traced once when any tracer asks for it (captureHTTPsRequests), as Powertools traces it once.
 */
import { Tracer as CoreTracer, type Logger } from "../host/index.ts";
import type { TraceEntity } from "../../core/entity.ts";
import { createUdpEmitter } from "../udp/emitter.ts";
import { levelLogger } from "../context/settings.ts";
import { settings } from "../context/storage.ts";
import { instrumentFetch } from "../fetch/instrument.ts";
import { armDeadline, DEFAULT_DEADLINE_MARGIN_MS } from "../lambda/deadline.ts";
import { loadPowertoolsSettings } from "./settings.ts";
import { PowertoolsSegment, type Say } from "./entity.ts";
import { currentSegment, invocationSlot, type Slot } from "./invocation.ts";

let shared: { tracer: CoreTracer; logger: Logger } | undefined;
const said = new Set<string>();

function logger(): Logger {
  return shared?.logger ?? levelLogger(settings().logLevel);
}

/** The process's xray-edge tracer, made at first use. */
export function coreTracer(): CoreTracer {
  if (!shared) {
    const l = levelLogger(settings().logLevel);
    const emitter = createUdpEmitter({ address: loadPowertoolsSettings().daemonAddress, logger: l });
    shared = { tracer: new CoreTracer({ emitter, logger: l }), logger: l };
  }
  return shared.tracer;
}

/** Says `message` once per `kind` for the process; never throws. */
export const say: Say = (kind, message) => {
  if (said.has(kind)) return;
  said.add(kind);
  try {
    logger().warn(message);
  } catch {
    // tracing never breaks the program
  }
};

export const slot = (): Slot => invocationSlot(coreTracer, say);

/** The handler's name as Lambda gives it (`_HANDLER`), for `## <handler>` and `<handler> response`. */
export const handlerName = (): string => loadPowertoolsSettings().handler ?? "handler";

/** Powertools' current segment now (see invocation.ts for the order). */
export const current = (): PowertoolsSegment => currentSegment(slot, say, handlerName());

/** For xray-edge/fetch and xray-edge/aws-sdk: the current segment's entity, as their parent. */
export function currentEntity(): TraceEntity | undefined {
  try {
    return PowertoolsSegment.raw(current());
  } catch {
    return undefined; // the context decides
  }
}

const FETCH_TRACED = Symbol.for("xray-edge.powertools.fetch");

/** Traces the global fetch (once per process): each request a `remote` subsegment of the current segment. */
export function traceGlobalFetch(): void {
  try {
    const g = globalThis as { fetch?: unknown; [FETCH_TRACED]?: boolean };
    if (g[FETCH_TRACED] || typeof g.fetch !== "function") return;
    g.fetch = instrumentFetch(g.fetch as typeof fetch, { parent: currentEntity });
    g[FETCH_TRACED] = true;
  } catch {
    say("fetch", "the global fetch could not be traced (captureHTTPsRequests): requests made with it are not recorded");
  }
}

/** Resolves when every document sent so far has left (never rejects). */
export function flush(): Promise<void> {
  return shared ? shared.tracer.flush().catch(() => {}) : Promise.resolve();
}

/**
 * As traceHandler does: the handler's subsegment holds every subsegment closed inside it, so
 * 250 ms before the Lambda context's deadline it is sent in progress with them, and flushed; a kill
 * at the deadline then loses only what was still open. Returns what disarms it.
 */
export function armHandlerDeadline(context: unknown, sub: PowertoolsSegment): () => void {
  try {
    const raw = PowertoolsSegment.raw(sub) as TraceEntity & { sendInProgress?: () => void };
    if (!raw.sampled || typeof raw.sendInProgress !== "function") return () => {};
    return armDeadline(context, DEFAULT_DEADLINE_MARGIN_MS, () => {
      raw.sendInProgress!();
      void flush();
    });
  } catch {
    return () => {};
  }
}
