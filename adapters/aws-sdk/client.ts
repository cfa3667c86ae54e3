/**
 * `captureAwsClient(client)`: one "build" step middleware on an AWS SDK v3 client. The build step
 * runs once per `send`, outside the retry middleware (finalizeRequest), so a call is one
 * subsegment however many attempts it takes (`aws.retries` from `$metadata.attempts`), and every
 * attempt carries the same `X-Amzn-Trace-Id`, set on the serialized HttpRequest before signing.
 */
import type { SubsegmentOptions, TraceEntity } from "../../core/entity.ts";
import { propagatable } from "../../core/header.ts";
import { beginCall, type Begun } from "../context/capture.ts";
import { ignoredParent } from "../context/parent.ts";
import { settings } from "../context/storage.ts";
import { operationFields } from "./fields.ts";
import { isThrottling, outcomeOfError, outcomeOfResult, type CallOutcome } from "./outcome.ts";
import type { AwsSdkClient, BuildArgs, BuildMiddleware, BuildOutput, HandlerContext } from "./types.ts";

export interface CaptureAwsClientOptions {
  /**
   * The segment or subsegment to record calls in, asked at each call: for runtimes without
   * AsyncLocalStorage, or code it does not follow. When absent, or when it returns undefined,
   * the current segment of the context is used. When it throws or returns something else than a
   * live entity, the call is made unrecorded (one warning): the context is not asked instead.
   */
  parent?: () => TraceEntity | undefined;
}

/** The middleware's name on the stack: how a second captureAwsClient finds it already there. */
export const MIDDLEWARE_NAME = "xrayEdgeAwsSdkMiddleware";

/** The caller's name in context messages (AWS_XRAY_CONTEXT_MISSING). */
const WHAT = "captureAwsClient";
const TRACE_HEADER = "X-Amzn-Trace-Id";
const AWS: SubsegmentOptions = { namespace: "aws" };

type Bag = Record<string, unknown>;
const bag = (value: unknown): Bag | undefined => (value !== null && typeof value === "object" ? (value as Bag) : undefined);

/**
 * Records each command the client sends as a subsegment of the current segment (namespace `aws`,
 * named after the service, with operation, region, request ID, retries, HTTP status, and the
 * error, flagged as X-Ray expects) and passes the trace on in the request's `X-Amzn-Trace-Id`.
 * Returns the same client. Calling it again on a client changes nothing.
 *
 * @example
 * const s3 = captureAwsClient(new S3Client({}));
 */
export function captureAwsClient<C extends AwsSdkClient>(client: C, options: CaptureAwsClientOptions = {}): C {
  return instrumentClient(client, options, NATIVE);
}

/**
 * @internal How a caller of instrumentClient records (xray-edge/sdk-core records as
 * aws-xray-sdk-core does). Not part of xray-edge/aws-sdk's API.
 */
export interface Recording {
  /** The caller's name in messages (AWS_XRAY_CONTEXT_MISSING, ignored parents). */
  what: string;
  /** `aws.retries`: the attempts after the first ("retries", xray-edge's), or every attempt ("attempts", aws-xray-sdk-core's count). */
  retries: "retries" | "attempts";
  /** Whether a failed call's `http.response` gets the error response's content length (aws-xray-sdk-core records the status only). */
  errorContentLength: boolean;
  /**
   * The parent, asked at each call instead of xray-edge's context when given: null means none
   * (the call is made unrecorded, and the context is not asked: the caller handled its absence).
   */
  resolve?: () => TraceEntity | null;
}

const NATIVE: Recording = { what: WHAT, retries: "retries", errorContentLength: true };

/** @internal captureAwsClient with the way of recording given (see Recording). */
export function instrumentClient<C extends AwsSdkClient>(client: C, options: CaptureAwsClientOptions, recording: Recording): C {
  const stack = bag(client)?.middlewareStack as AwsSdkClient["middlewareStack"] | undefined;
  if (typeof stack?.add !== "function") {
    throw new TypeError(
      `${recording.what}: expected an AWS SDK for JavaScript v3 client (with a middlewareStack), got ${client === null ? "null" : typeof client}`,
    );
  }
  if (!settings().enabled) return client; // AWS_XRAY_SDK_ENABLED=false (checked when xray-edge/aws-sdk loaded)
  if (instrumented(stack)) return client;
  try {
    stack.add(middleware(bag(client.config) ?? {}, options, recording), {
      name: MIDDLEWARE_NAME,
      step: "build",
      priority: "high",
      tags: ["XRAY_EDGE"],
    });
  } catch {
    // a stack without identify() that has the middleware already refuses the name: it is there once
  }
  return client;
}

function instrumented(stack: AwsSdkClient["middlewareStack"]): boolean {
  try {
    const names = stack.identify?.(); // "name - step", or "name (a.k.a. …) - step"
    return Array.isArray(names) && names.some((n) => typeof n === "string" && n.startsWith(`${MIDDLEWARE_NAME} `));
  } catch {
    return false;
  }
}

function middleware(config: Bag, options: CaptureAwsClientOptions, recording: Recording): BuildMiddleware {
  return (next, context) =>
    async (args: BuildArgs): Promise<BuildOutput> => {
      let explicit: unknown;
      try {
        explicit = recording.resolve ? recording.resolve() : options.parent?.();
      } catch (error) {
        if (recording.resolve) throw error; // the resolver's context-missing strategy asked for it (RUNTIME_ERROR)
        ignoredParent(recording.what, "the parent option threw");
        return next(args); // the caller's own parent failed: the context is not asked instead
      }
      // sdk-core's resolver says "no segment" with null (its context-missing strategy was applied);
      // a null from the native parent option is an ignored parent, said by beginCall like any other.
      if (recording.resolve && explicit === null) return next(args);
      // Throws only under AWS_XRAY_CONTEXT_MISSING=RUNTIME_ERROR with no parent, which asks for exactly that.
      const begun: Begun = beginCall(recording.what, serviceName(config, context), AWS, explicit);
      const sub = begun.sub;
      try {
        // Our entities' headers always pass; a pass-through or foreign one that node:http would
        // refuse (ERR_INVALID_CHAR), or that would break the line, is not sent.
        if (propagatable(begun.header)) inject(args.request, begun.header); // no subsegment: pass-through's, if any
      } catch {
        // our failure: the call goes on as it would without us
      }
      if (!sub) return next(args);
      const region = regionOf(config); // settles, never rejects
      const call: Call = { sub, context, region, input: bag(args)?.input, recording, service: whitelistName(config, context) };
      let result: BuildOutput;
      try {
        result = await next(args);
      } catch (error) {
        await finish(call, outcomeOfError(error), undefined, true, error);
        throw error;
      }
      await finish(call, outcomeOfResult(result), bag(result)?.output, false, undefined);
      return result;
    };
}

/** One call being recorded. */
interface Call {
  sub: TraceEntity;
  context: HandlerContext;
  region: Promise<string | undefined>;
  /** The command's input, for the per-operation fields (fields.ts). */
  input: unknown;
  recording: Recording;
  /** The service's name as the per-operation table knows it. */
  service: string;
}

/** Records the call's outcome on `sub` and closes it; never throws. */
async function finish(call: Call, o: CallOutcome, output: unknown, failed: boolean, error: unknown): Promise<void> {
  const { sub, context, region } = call;
  try {
    const aws: Bag = {};
    const operation = operationName(context);
    if (operation) aws.operation = operation;
    const r = await region;
    if (r) aws.region = r;
    if (o.requestId !== undefined) aws.request_id = o.requestId;
    if (o.extendedRequestId !== undefined) aws.id_2 = o.extendedRequestId;
    if (o.attempts !== undefined) aws.retries = call.recording.retries === "attempts" ? o.attempts : o.attempts - 1;
    // The output's fields only on success: a failed call has none.
    if (operation) Object.assign(aws, operationFields(call.service, operation, call.input, failed ? undefined : output));
    sub.setAws(aws);
    if (o.status !== undefined) {
      const length = failed && !call.recording.errorContentLength ? undefined : o.contentLength;
      sub.setHttp({
        response: length === undefined ? { status: o.status } : { status: o.status, content_length: length },
      });
    }
    if (failed) {
      if (isThrottling(error, o.status)) sub.addThrottleFlag();
      // remote: the service answered (a status); a network or credentials error is not the service's
      sub.addError(error, { remote: o.status !== undefined });
    }
  } catch {
    // tracing never breaks the call
  }
  try {
    sub.close();
  } catch {
    // idem
  }
}

/** The SDK's service ID ("S3", "DynamoDB", "XRay"), else the client's name without "Client". */
function serviceName(config: Bag, context: HandlerContext): string {
  const id = config.serviceId;
  if (typeof id === "string" && id !== "") return id;
  const client = context?.clientName;
  if (typeof client === "string" && client !== "") return client.replace(/Client$/, "") || client;
  return "AWS";
}

/** The client's name without "Client" ("SageMakerRuntime"), else its service ID: the per-operation table's key. */
function whitelistName(config: Bag, context: HandlerContext): string {
  const client = context?.clientName;
  if (typeof client === "string" && client.endsWith("Client") && client.length > 6) return client.slice(0, -6);
  const id = config.serviceId;
  return typeof id === "string" ? id : "";
}

/** "GetObject" from "GetObjectCommand" (else the operation in the Smithy context). */
function operationName(context: HandlerContext): string | undefined {
  const command = context?.commandName;
  if (typeof command === "string" && command !== "") return command.replace(/Command$/, "") || command;
  const operation = bag(context?.__smithy_context)?.operation;
  return typeof operation === "string" && operation !== "" ? operation : undefined;
}

/** The client's region: a string, or the resolved config's provider (sync or async). */
async function regionOf(config: Bag): Promise<string | undefined> {
  try {
    let region = config.region;
    if (typeof region === "function") region = await region();
    return typeof region === "string" && region !== "" ? region : undefined;
  } catch {
    return undefined;
  }
}

/** Sets the trace header on the HttpRequest unless one is there already (in any case). */
function inject(request: unknown, header: string): void {
  const headers = bag(bag(request)?.headers);
  if (!headers) return;
  for (const key of Object.keys(headers)) if (key.toLowerCase() === "x-amzn-trace-id") return;
  headers[TRACE_HEADER] = header;
}
