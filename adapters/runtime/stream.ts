/**
 * A streamed response to the Runtime API, as Lambda's Node runtime sends it (src/ResponseStream.js
 * of aws-lambda-nodejs-runtime-interface-client): a POST to /invocation/{id}/response with
 * `Lambda-Runtime-Function-Response-Mode: streaming`, chunked, each write its own chunk; an error
 * after the first byte goes in the trailers `Lambda-Runtime-Function-Error-Type` and
 * `Lambda-Runtime-Function-Error-Body` (the error document, base64).
 *
 * Over node:http, not fetch: fetch streams a request body on Node, Bun and Deno alike (a
 * ReadableStream with `duplex: "half"`), but has no way to send trailers on any of them, and
 * node:http's ClientRequest sends them (addTrailers) on all three (measured with Node 20, Bun 1.4
 * and Deno 2.9 against a node:http server). node:http and node:stream cost Bun 30–75 ms and Deno
 * 70–140 ms to import on this machine, so they are imported only for a streaming handler. The
 * request is built with `new ClientRequest`: a patched `http.request` (aws-xray-sdk-core's
 * captureHTTPsGlobal) would otherwise record the runtime's own call.
 */
import type { ClientRequest, IncomingMessage } from "node:http";
import type { Writable } from "node:stream";
import { describeFailure, RuntimeApiFailure, type Answer } from "./api.ts";
import { errorDocument, errorTypeHeader } from "./errors.ts";

export const H_RESPONSE_MODE = "Lambda-Runtime-Function-Response-Mode";
export const T_ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";
export const T_ERROR_BODY = "Lambda-Runtime-Function-Error-Body";
const DEFAULT_CONTENT_TYPE = "application/octet-stream";
/** Of the Runtime API's answer, only this much is kept (it is a short JSON status). */
const MAX_ANSWER_CHARS = 64 * 1024;

/** The stream a streaming handler writes to: a Writable, plus what Lambda's has. */
export interface ResponseStream extends Writable {
  /** Before the first write only (as on Lambda: later it throws). */
  setContentType(type: string): void;
  /** Set by HttpResponseStream.from: writes the prelude before the first byte of the body. */
  _onBeforeFirstWrite?: (write: (chunk: string | Uint8Array) => void) => void;
}

export interface StreamedResponse {
  stream: ResponseStream;
  /** Whether the response can still be failed (nothing ended it yet). */
  open(): boolean;
  /** Ends the response with `error` in the trailers; false when it had ended already. */
  fail(error: unknown): boolean;
  /** Resolves when the request has been sent to its end (by the handler's end(), or a failure). */
  sent: Promise<void>;
  /** The Runtime API's answer; rejects with RuntimeApiFailure when it cannot be had or is a 5xx. */
  answer: Promise<Answer>;
}

export type OpenResponseStream = (url: string, highWaterMark: number | undefined) => StreamedResponse;

/** Imports node:http and node:stream (a streaming handler's init only) and gives the opener. */
export async function loadResponseStreams(): Promise<OpenResponseStream> {
  const [http, stream] = await Promise.all([import("node:http"), import("node:stream")]);
  const { ClientRequest } = http;
  const { Writable } = stream;

  return (url, highWaterMark) => {
    const target = new URL(url);
    const req: ClientRequest = new ClientRequest({
      hostname: target.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: "POST",
      headers: {
        [H_RESPONSE_MODE]: "streaming",
        "Transfer-Encoding": "chunked",
        Trailer: `${T_ERROR_TYPE}, ${T_ERROR_BODY}`,
        "Content-Type": DEFAULT_CONTENT_TYPE,
      },
    });
    let started = false;
    let trailers: Record<string, string> | undefined;
    let finished = false;
    let markSent!: () => void;
    const sent = new Promise<void>((resolve) => (markSent = resolve));
    const endRequest = (callback?: () => void): void => {
      if (finished) return callback?.();
      finished = true;
      if (trailers) req.addTrailers(trailers);
      req.end(() => {
        markSent();
        callback?.();
      });
    };
    const answer = new Promise<Answer>((resolve, reject) => {
      req.on("response", (res: IncomingMessage) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < MAX_ANSWER_CHARS) text += chunk;
        });
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          if (status >= 500) reject(new RuntimeApiFailure(`POST ${url} answered ${status} (container error): ${text.slice(0, 500)}`));
          else resolve({ status, text });
        });
        res.on("error", (e) => reject(new RuntimeApiFailure(`POST ${url} failed: ${describeFailure(e)}`)));
      });
      req.on("error", (e) => {
        markSent();
        reject(new RuntimeApiFailure(`POST ${url} failed: ${describeFailure(e)}`));
      });
    });
    // Awaited by the runtime; a rejection before that must not count as unhandled.
    answer.catch(() => {});

    const start = (): void => {
      if (started) return;
      started = true;
      writable._onBeforeFirstWrite?.((chunk) => req.write(chunk));
    };
    const writable = new Writable({
      ...(highWaterMark !== undefined ? { highWaterMark } : {}),
      write(chunk: Uint8Array, _encoding, callback) {
        start();
        if (finished) return callback();
        // The callback waits for the chunk to reach the socket: the handler's writes see backpressure.
        req.write(chunk, () => callback());
      },
      final(callback) {
        start();
        endRequest(() => callback());
      },
      destroy(error, callback) {
        // A handler (or its pipeline) that destroys the stream ends the response as failed.
        if (!finished) {
          trailers ??= failureTrailers(error ?? new Error("the response stream was destroyed before it ended"));
          start();
          endRequest();
        }
        callback(null);
      },
    }) as ResponseStream;
    // Errors are the runtime's to report (answer): an 'error' event nobody listens to would throw.
    writable.on("error", () => {});
    writable.setContentType = (type: string) => {
      if (started || req.headersSent) throw new Error("Cannot set content-type, too late.");
      req.setHeader("Content-Type", type);
    };
    // As on Lambda, a value that is neither text nor bytes is written as its JSON.
    const write = writable.write.bind(writable);
    writable.write = ((chunk: unknown, ...rest: unknown[]) =>
      write(
        typeof chunk === "string" || chunk instanceof Uint8Array ? chunk : JSON.stringify(chunk),
        ...(rest as [BufferEncoding]),
      )) as ResponseStream["write"];

    return {
      stream: writable,
      sent,
      answer,
      open: () => !finished && !writable.writableEnded,
      fail(error) {
        if (finished || writable.writableEnded) return false;
        trailers = failureTrailers(error);
        // Through the Writable, so that what the handler wrote before goes first.
        if (writable.destroyed) endRequest();
        else writable.end();
        return true;
      },
    };
  };
}

/**
 * Largest error document sent, in bytes of JSON: trailers count towards an HTTP server's header
 * limit (Node's is 16 KiB for the whole block), so stack lines beyond what fits go, then the
 * message is cut.
 */
export const MAX_TRAILER_DOCUMENT_BYTES = 8192;

/** The two trailers for a failure: its type (a valid header value) and its document, base64. */
export function failureTrailers(error: unknown): Record<string, string> {
  const document = errorDocument(error);
  const encoder = new TextEncoder();
  let bytes = encoder.encode(JSON.stringify(document));
  while (bytes.length > MAX_TRAILER_DOCUMENT_BYTES && document.stackTrace.length > 0) {
    document.stackTrace.pop();
    bytes = encoder.encode(JSON.stringify(document));
  }
  if (bytes.length > MAX_TRAILER_DOCUMENT_BYTES) {
    document.errorMessage = document.errorMessage.slice(0, 1024);
    document.errorType = document.errorType.slice(0, 256);
    bytes = encoder.encode(JSON.stringify(document));
  }
  return { [T_ERROR_TYPE]: errorTypeHeader(document.errorType), [T_ERROR_BODY]: base64(bytes) };
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  // In slices: String.fromCharCode(...all) would overflow the argument limit on a long document.
  for (let i = 0; i < bytes.length; i += 0x4000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x4000));
  return btoa(binary);
}
