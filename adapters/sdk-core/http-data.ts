/**
 * The `http` objects aws-xray-sdk-core builds from node:http's objects: an outgoing call's
 * (`addRemoteRequestData`, captureHTTPs) and an incoming request's (`IncomingRequestData`,
 * traceRequestResponseCycle). Every read is guarded: these objects come from the caller.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from "node:http";

export interface ResponseData {
  status?: number;
  content_length?: number;
}

/** An outgoing call's method and URL (protocol, host and path without the query), as the peer writes them. */
export function remoteRequest(req: ClientRequest | undefined): { method: string; url: string } {
  let url = "";
  let method = "";
  try {
    method = req?.method || "";
    const protocol = (req as { agent?: { protocol?: string } } | undefined)?.agent?.protocol;
    if (req && protocol) url = `${protocol}//${req.host || String(req.getHeader("host") ?? "")}${String(req.path ?? "").split("?")[0]}`;
  } catch {
    // what could be read stands
  }
  return { method, url };
}

/** A response's status and content length (a client's IncomingMessage or a server's ServerResponse). */
export function responseData(res: IncomingMessage | ServerResponse | null | undefined): ResponseData {
  const out: ResponseData = {};
  try {
    const status = Number(res?.statusCode) || 0;
    if (status) out.status = status;
    const raw =
      res && "getHeader" in res && typeof res.getHeader === "function"
        ? res.getHeader("content-length")
        : (res as IncomingMessage | undefined)?.headers?.["content-length"];
    const length = Number.parseInt(String(raw ?? ""), 10);
    if (raw !== undefined && raw !== "" && Number.isFinite(length)) out.content_length = length;
  } catch {
    // what could be read stands
  }
  return out;
}

/**
 * aws-xray-sdk-core's `IncomingRequestData`: an incoming request's method, URL, user agent and
 * client IP (the first of X-Forwarded-For, when given, marked `x_forwarded_for`); `close(res)`
 * adds the response's status and length.
 */
export class IncomingRequestData {
  request: { method: string; user_agent: string; client_ip: string; url: string; x_forwarded_for?: boolean };
  response?: ResponseData;

  constructor(req: IncomingMessage) {
    const headers = (req?.headers ?? {}) as Record<string, unknown>;
    const forwarded = typeof headers["x-forwarded-for"] === "string" ? (headers["x-forwarded-for"] as string) : "";
    const encrypted = (req?.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    this.request = {
      method: req?.method || "",
      user_agent: String(headers["user-agent"] ?? ""),
      client_ip: forwarded ? (forwarded.split(",")[0] ?? "").trim() : (req?.socket?.remoteAddress ?? ""),
      url: `${encrypted ? "https://" : "http://"}${String(headers.host ?? "")}${req?.url ?? ""}`,
    };
    if (forwarded) this.request.x_forwarded_for = true;
  }

  close(res: ServerResponse): void {
    this.response = responseData(res);
  }
}
