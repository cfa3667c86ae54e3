/**
 * A streamed response (`Lambda-Runtime-Function-Response-Mode: streaming`), read as it arrives:
 * each chunk is handed on at once (the CLI prints it), the body is kept up to the limit, and the
 * trailers say whether it ended in an error (`Lambda-Runtime-Function-Error-Type`, and the error
 * document base64 in `Lambda-Runtime-Function-Error-Body`). A body of content type
 * `application/vnd.awslambda.http-integration-response` starts with a JSON prelude (status code,
 * headers, cookies) and 8 NUL bytes, which a Function URL turns into its HTTP response: it is split
 * off and parsed, and only what follows is the body.
 */
import type { IncomingMessage } from "node:http";
import { H_ERROR_TYPE, T_ERROR_BODY, parseErrorRequest } from "./protocol.ts";
import type { Outcome } from "./invocation.ts";

export const HTTP_INTEGRATION_CONTENT_TYPE = "application/vnd.awslambda.http-integration-response";
const DELIMITER = Buffer.alloc(8);
/** A prelude is headers and cookies: beyond this it is not one, and the bytes are the body. */
const MAX_PRELUDE_BYTES = 64 * 1024;

export interface StreamInfo {
  /** Body chunks as they arrived (after the prelude). */
  chunks: number;
  /** Body bytes received in all. */
  bytes: number;
  contentType?: string;
  /** The http-integration-response prelude, parsed (its text when it is not JSON). */
  prelude?: unknown;
}

export type StreamedOutcome = Outcome & { streamed?: StreamInfo };

export interface StreamedBody {
  text: string;
  size: number;
  tooLarge: boolean;
  info: StreamInfo;
}

/** Reads the body to its end, keeping at most `limit` bytes, and hands each body chunk to `onChunk`. */
export function readStreamed(req: IncomingMessage, limit: number, onChunk?: (chunk: Buffer) => void): Promise<StreamedBody> {
  const contentType = req.headers["content-type"];
  const info: StreamInfo = { chunks: 0, bytes: 0, ...(contentType !== undefined ? { contentType } : {}) };
  let pending: Buffer | undefined = contentType?.toLowerCase() === HTTP_INTEGRATION_CONTENT_TYPE ? Buffer.alloc(0) : undefined;
  const kept: Buffer[] = [];
  let size = 0;
  const body = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    info.chunks++;
    info.bytes += chunk.length;
    if (size + chunk.length <= limit) kept.push(chunk);
    size += chunk.length;
    try {
      onChunk?.(chunk);
    } catch {
      // the caller's printing failed: the invocation goes on
    }
  };
  return new Promise((resolve, reject) => {
    req.on("data", (chunk: Buffer) => {
      if (pending === undefined) return body(chunk);
      pending = Buffer.concat([pending, chunk]);
      const at = pending.indexOf(DELIMITER);
      if (at < 0 && pending.length <= MAX_PRELUDE_BYTES) return;
      const rest = at < 0 ? pending : pending.subarray(at + DELIMITER.length);
      if (at >= 0) info.prelude = parsed(pending.subarray(0, at).toString("utf8"));
      pending = undefined;
      body(rest);
    });
    req.on("end", () => {
      if (pending !== undefined) body(pending);
      resolve({ text: Buffer.concat(kept).toString("utf8"), size, tooLarge: size > limit, info });
    });
    req.on("error", reject);
  });
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The invocation's outcome: an error when the trailers carry one, else the body as the response. */
export function streamedOutcome(req: IncomingMessage, body: StreamedBody): StreamedOutcome {
  const trailer = (name: string): string | undefined => {
    const value = req.trailers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  const errorType = trailer(H_ERROR_TYPE);
  if (errorType !== undefined) {
    const encoded = trailer(T_ERROR_BODY);
    const document = encoded === undefined ? "" : Buffer.from(encoded, "base64").toString("utf8");
    return { status: "error", error: parseErrorRequest(document, errorType, undefined), responseText: body.text, streamed: body.info };
  }
  return { status: "success", response: parsed(body.text), responseText: body.text, streamed: body.info };
}
