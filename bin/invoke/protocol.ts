/**
 * The Lambda Runtime API (version 2018-06-01) as the emulator speaks it: paths, header names, the
 * payload limits and the JSON bodies of its answers. Kept in one place so that the server, the
 * emulator and the tests name the same things.
 */

export const API_PREFIX = "/2018-06-01/runtime";
export const NEXT_PATH = `${API_PREFIX}/invocation/next`;
export const INIT_ERROR_PATH = `${API_PREFIX}/init/error`;
/** `/2018-06-01/runtime/invocation/{AwsRequestId}/(response|error)` */
export const INVOCATION_PATH = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/;

/** Headers of the `next` answer. */
export const H_REQUEST_ID = "Lambda-Runtime-Aws-Request-Id";
export const H_DEADLINE = "Lambda-Runtime-Deadline-Ms";
export const H_FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn";
export const H_TRACE_ID = "Lambda-Runtime-Trace-Id";
export const H_CLIENT_CONTEXT = "Lambda-Runtime-Client-Context";
export const H_COGNITO_IDENTITY = "Lambda-Runtime-Cognito-Identity";

/** Headers (and, for streamed responses, trailers) the runtime sends. Node lower-cases them. */
export const H_ERROR_TYPE = "lambda-runtime-function-error-type";
export const H_XRAY_CAUSE = "lambda-runtime-function-xray-error-cause";
export const H_RESPONSE_MODE = "lambda-runtime-function-response-mode";
export const T_ERROR_BODY = "lambda-runtime-function-error-body";

/** Invocation payloads, request and response, of synchronous invocations: 6 MB. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** Responses sent with `Lambda-Runtime-Function-Response-Mode: streaming` may be larger. */
export const MAX_STREAMED_BYTES = 200 * 1024 * 1024;

/** What a runtime reports with `/error` and `/init/error` (the documented ErrorRequest), as kept. */
export interface RuntimeError {
  errorType: string;
  errorMessage: string;
  stackTrace?: string[];
  /** The `Lambda-Runtime-Function-Error-Type` header, when the runtime sent one. */
  functionErrorType?: string;
  /** The `Lambda-Runtime-Function-XRay-Error-Cause` header: parsed when JSON, else the text. */
  xrayErrorCause?: unknown;
}

/** The body of every 4xx answer: the documented ErrorResponse. */
export function errorBody(errorType: string, errorMessage: string): string {
  return JSON.stringify({ errorMessage, errorType });
}

/** The body of a 202 (the documented StatusResponse). */
export const ACCEPTED_BODY = JSON.stringify({ status: "OK" });

/**
 * An ErrorRequest body as Lambda reads it: the JSON object's fields when they have the right types;
 * when the body is missing or unreadable, the error type header stands in (as the API's own
 * description says Lambda does).
 */
export function parseErrorRequest(body: string, headerType: string | undefined, xrayCause: string | undefined): RuntimeError {
  let parsed: unknown;
  try {
    parsed = body.trim() === "" ? undefined : JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const fields = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const error: RuntimeError = {
    errorType: typeof fields.errorType === "string" && fields.errorType !== "" ? fields.errorType : (headerType ?? "Unhandled"),
    errorMessage: typeof fields.errorMessage === "string" ? fields.errorMessage : parsed === undefined ? body : "",
  };
  if (Array.isArray(fields.stackTrace))
    error.stackTrace = fields.stackTrace.map((line) => (typeof line === "string" ? line : JSON.stringify(line)));
  if (headerType !== undefined) error.functionErrorType = headerType;
  if (xrayCause !== undefined) {
    try {
      error.xrayErrorCause = JSON.parse(xrayCause);
    } catch {
      error.xrayErrorCause = xrayCause;
    }
  }
  return error;
}

/** An event as the body of `next`: a JSON value serialized, or bytes as given; none is `{}`. */
export function encodeEvent(event: unknown): Buffer {
  if (event instanceof Uint8Array) return Buffer.from(event.buffer, event.byteOffset, event.byteLength);
  if (event === undefined) return Buffer.from("{}");
  const text = JSON.stringify(event);
  if (text === undefined) throw new TypeError(`the event is not JSON-serializable (${typeof event})`);
  return Buffer.from(text);
}

/**
 * Lambda's Invoke API takes a ClientContext of at most 3,583 bytes, base64-encoded (JSON inside),
 * and hands it to the runtime as JSON text in Lambda-Runtime-Client-Context. The same budget holds
 * for the Cognito identity here (Lambda fills that one from the caller's credentials: two IDs),
 * which keeps the `next` answer's headers far below the 16 KiB Node's and Bun's HTTP clients take.
 */
export const MAX_CLIENT_CONTEXT_BASE64 = 3583;

/** The length of `text`'s UTF-8 bytes in base64, as Lambda measures a ClientContext. */
export const base64Length = (text: string): number => Math.ceil(Buffer.byteLength(text, "utf8") / 3) * 4;

/**
 * JSON text as a header value, meaning kept: line breaks and tabs become spaces (JSON allows them
 * only between tokens), every character outside printable ASCII becomes its \u escape (JSON allows
 * those only inside strings, where the escape means the same). Not parsed and written again, which
 * would change what a runtime's JSON.parse gives (1e400 is Infinity, written again null). Throws
 * SyntaxError for text that is not JSON.
 */
export function jsonHeaderValue(text: string): string {
  JSON.parse(text);
  return text.replace(/[\t\n\r]/g, " ").replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A header value Node sends as given (printable ASCII and tabs): else it would throw ERR_INVALID_CHAR. */
export const isHeaderSafe = (value: string): boolean => /^[\t\x20-\x7e]*$/.test(value);
