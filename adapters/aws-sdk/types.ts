/**
 * The few shapes of the AWS SDK for JavaScript v3 (the @smithy middleware stack) that the
 * instrumentation touches, declared here so that this package needs no @aws-sdk or @smithy types
 * (or code) of its own. Every field read from the SDK is checked at run time as well.
 */

/** Any AWS SDK for JavaScript v3 client: `new S3Client(...)`, `DynamoDBDocumentClient.from(...)`. */
export interface AwsSdkClient {
  middlewareStack: AwsSdkMiddlewareStack;
  config: object;
}

/** The part of the client's middleware stack that is used: `add`, and `identify` when there. */
export interface AwsSdkMiddlewareStack {
  add(middleware: BuildMiddleware, options: BuildMiddlewareOptions): void;
  identify?(): string[];
}

export interface BuildMiddlewareOptions {
  name: string;
  step: "build";
  priority?: "high" | "normal" | "low";
  tags?: string[];
  override?: boolean;
}

/** A "build" step middleware: `(next, context) => (args) => next(args)`. */
export type BuildMiddleware = (next: BuildHandler, context: HandlerContext) => BuildHandler;
export type BuildHandler = (args: BuildArgs) => Promise<BuildOutput>;

/** What a build step receives: the command input and the serialized request (an HttpRequest). */
export interface BuildArgs {
  input: object;
  request: unknown;
}

/** What `next` resolves with: the deserialized output (with `$metadata`) and the raw response. */
export interface BuildOutput {
  output: object;
  response: unknown;
}

/** The handler execution context the SDK passes to each middleware. */
export interface HandlerContext {
  /** "S3Client", "DynamoDBClient", ... */
  clientName?: string;
  /** "GetObjectCommand", ... */
  commandName?: string;
  [key: string]: unknown;
}

/** The `$metadata` of an SDK output or service error. */
export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  extendedRequestId?: string;
  attempts?: number;
}
