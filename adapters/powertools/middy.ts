/**
 * The middy middleware behind `captureLambdaHandler(tracer)` of xray-edge/powertools/middleware,
 * as Powertools' works: `before` begins `## <_HANDLER>` under the current segment and makes it
 * current, `after` records the response, `onError` the error, and both close it, restore the
 * previous segment and wait for the flush; near the context's deadline it is sent in progress. What a request began is kept in `request.internal`,
 * and the current segment in the invocation's slot (its InvokeStore context), so concurrent
 * invocations never share them. Only the tracer's public methods are used.
 */
import type { Tracer } from "./tracer.ts";
import { PowertoolsSegment } from "./entity.ts";
import { currentFrame, endFacade, isRuntimeHandler, type Slot } from "./invocation.ts";
import { armHandlerDeadline, current, flush, handlerName, slot } from "./shared.ts";

type MiddyRequest = { context?: unknown; response?: unknown; error?: unknown; internal?: Record<string, unknown> };

export interface MiddyMiddleware {
  before: (request: MiddyRequest) => void;
  after: (request: MiddyRequest) => Promise<void>;
  onError: (request: MiddyRequest) => Promise<void>;
}

/** What one request began; `reused`: the runtime's own `## handler`, closed by the runtime. */
interface MiddyRun {
  sub: PowertoolsSegment;
  previous: PowertoolsSegment | undefined;
  frame: { entity: PowertoolsSegment | undefined };
  reused: boolean;
  slot: Slot;
  parent: PowertoolsSegment;
  /** Disarms the send before the deadline (shared.ts). */
  disarm: () => void;
}

/** Powertools' key for its middlewares' cleanup functions (an early return calls them). */
const TRACER_KEY = "powertools-for-aws.tracer";
const RUN_KEY = `${TRACER_KEY}.xray-edge`;

export function middyMiddleware(tracer: Tracer, captureResponse: boolean): MiddyMiddleware {
  const close = async (request: MiddyRequest): Promise<void> => {
    const run = runOf(request);
    if (!run) return;
    try {
      delete request.internal![RUN_KEY];
      run.disarm();
      if (!run.reused) run.sub.close();
      run.frame.entity = run.previous;
      if (!run.reused) endFacade(run.slot, run.parent);
    } catch {
      // tracing never breaks the handler
    }
    await flush();
  };
  return {
    before: (request) => {
      if (!tracer.isTracingEnabled()) return;
      try {
        const frame = currentFrame(slot);
        const previous = frame.entity;
        const parent = current();
        const s = slot();
        const reused = isRuntimeHandler(PowertoolsSegment.raw(parent), s);
        const sub = reused ? parent : parent.addNewSubsegment(`## ${handlerName()}`);
        const disarm = reused ? () => {} : armHandlerDeadline(safeRead(request, "context"), sub);
        const run: MiddyRun = { sub, previous, frame, reused, slot: s, parent, disarm };
        request.internal = { ...request.internal, [TRACER_KEY]: close, [RUN_KEY]: run };
        frame.entity = sub;
      } catch {
        return; // untraced, not broken
      }
      tracer.annotateColdStart();
      tracer.addServiceNameAnnotation();
    },
    after: async (request) => {
      if (!tracer.isTracingEnabled() || !runOf(request)) return;
      if (captureResponse) tracer.addResponseAsMetadata(safeRead(request, "response"), handlerName());
      await close(request);
    },
    onError: async (request) => {
      const run = runOf(request);
      if (!tracer.isTracingEnabled() || !run) return;
      if (!run.reused) tracer.addErrorAsMetadata(safeRead(request, "error") as Error);
      await close(request);
    },
  };
}

function runOf(request: MiddyRequest): MiddyRun | undefined {
  try {
    return request?.internal?.[RUN_KEY] as MiddyRun | undefined;
  } catch {
    return undefined;
  }
}

function safeRead(request: MiddyRequest, key: "context" | "response" | "error"): unknown {
  try {
    return request[key];
  } catch {
    return undefined;
  }
}
