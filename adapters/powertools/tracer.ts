/**
 * `Tracer`: Powertools Tracer's API (`@aws-lambda-powertools/tracer`) on xray-edge, so that moving
 * a function is an import change. The same subsegment names (`## <_HANDLER>`, `### <method>`), the
 * same annotations (ColdStart, Service) and metadata (`<name> response` in the service's
 * namespace), the same POWERTOOLS_* variables, the same rules for when tracing is on. Nothing here
 * throws into the handler for a tracing problem; misuse at definition time (bad options, a
 * decorator on a field) throws there, naming it.
 */
import { parseTraceHeader } from "../host/index.ts";
import { inert } from "../context/inert.ts";
import { settings as contextSettings } from "../context/storage.ts";
import { withSegment } from "../context/capture.ts";
import { ambientHeader } from "../lambda/header.ts";
import { captureAwsClient } from "../aws-sdk/client.ts";
import type { AwsSdkClient } from "../aws-sdk/types.ts";
import { type AnyClassMethod, type MethodDecorator, methodDecorator } from "./decorators.ts";
import { FrameEntity, PowertoolsSegment } from "./entity.ts";
import { currentFrame, endFacade, isRuntimeHandler, outside, type Slot } from "./invocation.ts";
import {
  ask,
  type CaptureLambdaHandlerOptions,
  type CaptureMethodOptions,
  checkHandlerOptions,
  checkMethodOptions,
  checkTracerOptions,
  saysFalse,
  type TracerOptions,
} from "./options.ts";
import { type MiddyMiddleware, middyMiddleware } from "./middy.ts";
import { loadPowertoolsSettings } from "./settings.ts";
import { armHandlerDeadline, current, currentEntity, flush, handlerName, say, slot, traceGlobalFetch } from "./shared.ts";

/** The mark traceHandler (and so the custom runtime) reads: a handler traced already is not wrapped again. */
const TRACED = Symbol.for("xray-edge.traced");

/** What a running handler capture began; `reused`: the runtime's own `## handler`, closed by it. */
interface HandlerRun {
  frame: FrameEntity;
  sub: PowertoolsSegment;
  reused: boolean;
  /** Where it began: the invocation's slot and the parent, to end the facade after it. */
  slot: Slot;
  parent: PowertoolsSegment;
  /** Disarms the send before the deadline. */
  disarm: () => void;
}

export class Tracer {
  readonly #enabled: boolean;
  readonly #serviceName: string;
  readonly #captureResponse: boolean;
  readonly #captureError: boolean;
  readonly #captureHTTPsRequests: boolean;
  readonly #onDemand: boolean;
  #coldStart = true;

  constructor(options: TracerOptions = {}) {
    const o = checkTracerOptions(options);
    const env = loadPowertoolsSettings();
    const config = o.customConfigService;
    const executionEnv = ask(config, "getAwsExecutionEnv") ?? env.executionEnv;
    const samLocal = (ask(config, "getSamLocal") ?? "") !== "" || env.samLocal;
    this.#enabled =
      o.enabled !== false &&
      !saysFalse(ask(config, "getTracingEnabled")) &&
      env.traceEnabled &&
      !env.devMode &&
      contextSettings().enabled && // AWS_XRAY_SDK_ENABLED=false turns every adapter off
      executionEnv !== undefined &&
      executionEnv !== "" &&
      executionEnv !== "AWS_Lambda_amplify-mock" &&
      !samLocal;
    this.#captureResponse = !saysFalse(ask(config, "getTracingCaptureResponse")) && env.captureResponse;
    this.#captureError = !saysFalse(ask(config, "getTracingCaptureError")) && env.captureError;
    this.#captureHTTPsRequests =
      o.captureHTTPsRequests !== false && !saysFalse(ask(config, "getCaptureHTTPsRequests")) && env.captureHTTPsRequests;
    const named = (s: string | undefined) => (typeof s === "string" && s.trim() !== "" ? s : undefined);
    this.#serviceName = named(o.serviceName) ?? named(ask(config, "getServiceName")) ?? env.serviceName ?? "service_undefined";
    this.#onDemand = env.initializationType === "on-demand";
    if (this.#enabled && this.#captureHTTPsRequests) traceGlobalFetch();
  }

  /** Whether this tracer records: off outside Lambda (no AWS_EXECUTION_ENV), under SAM local and Amplify mocks, in POWERTOOLS_DEV, or when turned off. */
  isTracingEnabled(): boolean {
    return this.#enabled;
  }

  /** The `ColdStart` annotation: true the first time on an on-demand environment (AWS_LAMBDA_INITIALIZATION_TYPE). */
  annotateColdStart(): void {
    if (this.#enabled) this.putAnnotation("ColdStart", this.#takeColdStart());
  }

  /** The `Service` annotation. */
  addServiceNameAnnotation(): void {
    if (this.#enabled) this.putAnnotation("Service", this.#serviceName);
  }

  /** `<methodName> response` metadata in the service's namespace (not when undefined or not captured). */
  addResponseAsMetadata(data?: unknown, methodName?: string): void {
    if (data === undefined || !this.#captureResponse || !this.#enabled) return;
    this.putMetadata(`${methodName} response`, data);
  }

  /** Records `error` on the current subsegment (with POWERTOOLS_TRACER_CAPTURE_ERROR=false only its error flag). */
  addErrorAsMetadata(error: Error, remote?: boolean): void {
    if (!this.#enabled) return;
    try {
      const segment = current();
      if (!this.#captureError) segment.addErrorFlag();
      else segment.addError(error, remote === true);
    } catch {
      // tracing never breaks the handler
    }
  }

  putAnnotation(key: string, value: string | number | boolean): void {
    if (!this.#enabled) return;
    try {
      current().addAnnotation(key, value);
    } catch {
      // idem
    }
  }

  putMetadata(key: string, value: unknown, namespace?: string): void {
    if (!this.#enabled) return;
    try {
      current().addMetadata(key, value, namespace || this.#serviceName);
    } catch {
      // idem
    }
  }

  /**
   * The current segment: a captured method's or handler's subsegment, what `setSegment` made
   * current, or the invocation's facade. With tracing off, a dummy that records nothing.
   */
  getSegment(): PowertoolsSegment | undefined {
    if (!this.#enabled) return new PowertoolsSegment(inert, "## Dummy segment", false, say);
    try {
      return current();
    } catch {
      return new PowertoolsSegment(inert, "## Dummy segment", false, say);
    }
  }

  /** Makes `segment` current for the rest of the running capture (or of the invocation, outside one). */
  setSegment(segment: PowertoolsSegment): void {
    if (!this.#enabled) return;
    if (!(segment instanceof PowertoolsSegment)) {
      say("setSegment", "setSegment: ignored a value that is not a segment from this Tracer's getSegment() or addNewSubsegment()");
      return;
    }
    try {
      currentFrame(slot).entity = segment;
    } catch {
      // idem
    }
  }

  /** The invocation's trace ID (the Root of its trace header), traced or not. */
  getRootXrayTraceId(): string | undefined {
    const header = ambientHeader();
    return header ? parseTraceHeader(header)?.root : undefined;
  }

  /** Whether the invocation's trace header says Sampled=1 (false with tracing off). */
  isTraceSampled(): boolean {
    if (!this.#enabled) return false;
    const header = ambientHeader();
    return header !== undefined && parseTraceHeader(header)?.sampled === true;
  }

  /** Records each command of an AWS SDK v3 client as a subsegment of the current segment (xray-edge/aws-sdk). */
  captureAWSv3Client<T>(service: T): T {
    if (!this.#enabled) return service;
    return captureAwsClient(service as unknown as AwsSdkClient, { parent: currentEntity }) as unknown as T;
  }

  /** AWS SDK v2 is not supported (end of support 2025-09-08): returned as given, said once. */
  captureAWS<T>(aws: T): T {
    say("v2", "captureAWS/captureAWSClient: AWS SDK for JavaScript v2 is not traced by xray-edge; use v3 clients and captureAWSv3Client");
    return aws;
  }

  captureAWSClient<T>(service: T): T {
    return this.captureAWS(service);
  }

  /**
   * Decorates a Lambda handler method: each call runs in a `## <_HANDLER>` subsegment with the
   * ColdStart and Service annotations, the result as metadata and a thrown error recorded, sent
   * before the call's promise settles. Legacy (`experimentalDecorators`) and standard decorators.
   */
  captureLambdaHandler(options?: CaptureLambdaHandlerOptions): MethodDecorator {
    const captureResponse = checkHandlerOptions(options).captureResponse ?? true;
    return methodDecorator("captureLambdaHandler", (method) => {
      const tracer = this;
      const wrapped = function (this: unknown, ...args: unknown[]): unknown {
        if (!tracer.#enabled) return method.apply(this, args);
        return tracer.#runHandler(() => method.apply(this, args), captureResponse, args[1]);
      };
      Object.defineProperty(wrapped, TRACED, { value: true });
      return wrapped;
    });
  }

  /**
   * Decorates a method: each call runs in a `### <method>` subsegment (or `subSegmentName`), its
   * result as metadata and a thrown error recorded. As in Powertools, the decorated method returns
   * a promise, also when it was synchronous (with tracing off it is called as it is).
   */
  captureMethod(options?: CaptureMethodOptions): MethodDecorator {
    const o = checkMethodOptions(options);
    return methodDecorator("captureMethod", (method: AnyClassMethod, methodName: string) => {
      const tracer = this;
      const name = o.subSegmentName ? o.subSegmentName : `### ${methodName}`;
      return function (this: unknown, ...args: unknown[]): unknown {
        if (!tracer.#enabled) return method.apply(this, args);
        return tracer.#runMethod(name, methodName, () => method.apply(this, args), o.captureResponse ?? true);
      };
    });
  }

  /** @internal The middy middleware of xray-edge/powertools/middleware (middy.ts). */
  _middleware(options?: CaptureLambdaHandlerOptions): MiddyMiddleware {
    return middyMiddleware(this, checkHandlerOptions(options).captureResponse ?? true);
  }

  #takeColdStart(): boolean {
    if (!this.#onDemand || !this.#coldStart) return false;
    this.#coldStart = false;
    return true;
  }

  async #runHandler(call: () => unknown, captureResponse: boolean, context: unknown): Promise<unknown> {
    let run: HandlerRun | undefined;
    try {
      const s = slot();
      const parent = current();
      const reused = isRuntimeHandler(PowertoolsSegment.raw(parent), s);
      const sub = reused ? parent : parent.addNewSubsegment(`## ${handlerName()}`);
      // the runtime's traceHandler arms its own deadline for the subsegment it began
      const disarm = reused ? () => {} : armHandlerDeadline(context, sub);
      run = { frame: frameOf(sub), sub, reused, slot: s, parent, disarm };
    } catch {
      run = undefined; // the handler runs untraced
    }
    if (!run) return call();
    const r = run;
    return withSegment(r.frame, async () => {
      this.annotateColdStart();
      this.addServiceNameAnnotation();
      let result: unknown;
      try {
        result = await call();
      } catch (error) {
        // the runtime's traceHandler records the error on its own subsegment: once is enough
        if (!r.reused) this.addErrorAsMetadata(error as Error);
        await end(r);
        throw error;
      }
      if (captureResponse) this.addResponseAsMetadata(result, handlerName());
      await end(r);
      return result;
    });
  }

  #runMethod(name: string, methodName: string, call: () => unknown, captureResponse: boolean): Promise<unknown> {
    let sub: PowertoolsSegment | undefined;
    try {
      sub = current().addNewSubsegment(name);
    } catch {
      sub = undefined;
    }
    if (!sub) return (async () => call())();
    const s = sub;
    return withSegment(frameOf(s), async () => {
      let result: unknown;
      try {
        result = await call();
        if (captureResponse) this.addResponseAsMetadata(result, methodName);
      } catch (error) {
        this.addErrorAsMetadata(error as Error);
        throw error;
      } finally {
        try {
          s.close();
        } catch {
          // tracing never breaks the method
        }
      }
      return result;
    });
  }
}

function frameOf(sub: PowertoolsSegment): FrameEntity {
  return new FrameEntity({ entity: sub }, () => outside(slot(), say, handlerName()));
}

async function end(run: HandlerRun): Promise<void> {
  try {
    run.disarm();
    if (!run.reused) {
      run.sub.close();
      endFacade(run.slot, run.parent);
    }
  } catch {
    // tracing never breaks the handler
  }
  await flush();
}
