/**
 * createXrayApiEmitter's options, checked once at construction: a malformed one throws there,
 * naming the option and the form it takes, so that no send ever fails for configuration.
 */
import type { Logger } from "../../core/log.ts";
import { DEFAULT_MAX_ATTEMPTS } from "./retry.ts";
import type { Credentials, Signer, XrayClientLike } from "./transport.ts";

export interface XrayApiEmitterOptions {
  /** The AWS Region (`us-east-1`). Default: AWS_REGION, else AWS_DEFAULT_REGION. Not with `client`. */
  region?: string;
  /** Static credentials or a provider; default: the SDK's chain (environment, profile, IMDS...). Not with `client` or `signer`. */
  credentials?: Credentials | (() => Promise<Credentials>);
  /** The API's base URL (`https://xray.us-east-1.amazonaws.com`, or a local stand-in). Not with `client`. */
  endpoint?: string;
  /** An XRayClient of yours (its region, credentials, endpoint and retries are used as they are). */
  client?: XrayClientLike;
  /** A SigV4 signer (aws4fetch's AwsClient) to use instead of the SDK; then `fetch` sends. */
  signer?: Signer;
  /** The fetch the signer's requests go through. Default: globalThis.fetch. Only with `signer`. */
  fetch?: (request: Request, init?: { signal?: AbortSignal }) => Promise<Response>;
  /** Where each kind of failure is said once. Default: console.warn, silenced by AWS_XRAY_LOG_LEVEL=silent. */
  logger?: Logger;
  /** Longest wait of a document before its batch is sent, in ms. Default 1000. */
  intervalMs?: number;
  /** Documents per PutTraceSegments call, 1 to 50. Default 50 (the daemon's batch). */
  maxBatchDocuments?: number;
  /** Bound of one call's JSON body in bytes. Default 3,276,800 (50 × 64 KiB). */
  maxRequestBytes?: number;
  /** Bound of the bytes held (waiting and in flight); beyond it documents are dropped, counted. Default 1 MiB. */
  maxQueueBytes?: number;
  /** One call's deadline in ms; past it the call is abandoned and retried. Default 3000. */
  timeoutMs?: number;
  /** Calls per batch, the first included, 1 to 10. Default 4. */
  maxAttempts?: number;
}

export const MAX_BATCH_DOCUMENTS = 50;
export const MAX_DOCUMENT_BYTES = 64 * 1024;

export interface Settings {
  region: string | undefined;
  endpoint: string | undefined;
  intervalMs: number;
  maxBatchDocuments: number;
  maxRequestBytes: number;
  maxQueueBytes: number;
  timeoutMs: number;
  maxAttempts: number;
}

const KNOWN = new Set([
  "region",
  "credentials",
  "endpoint",
  "client",
  "signer",
  "fetch",
  "logger",
  "intervalMs",
  "maxBatchDocuments",
  "maxRequestBytes",
  "maxQueueBytes",
  "timeoutMs",
  "maxAttempts",
]);

const fail = (name: string, form: string, value: unknown): never => {
  let shown: string;
  try {
    shown = typeof value === "string" ? JSON.stringify(value) : typeof value === "function" ? "a function" : String(value);
  } catch {
    shown = typeof value;
  }
  throw new TypeError(`createXrayApiEmitter: option ${name} must be ${form} (got ${shown})`);
};

function number(value: unknown, name: string, min: number, max: number, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !(value >= min && value <= max) || (integer && !Number.isInteger(value)))
    fail(name, `${integer ? "an integer" : "a number"} from ${min} to ${max}`, value);
  return value as number;
}

/** AWS_REGION, then AWS_DEFAULT_REGION; nothing where there is no environment (workerd) or no permission (Deno). */
function regionFromEnvironment(): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const value = env?.AWS_REGION?.trim() || env?.AWS_DEFAULT_REGION?.trim();
    return value || undefined;
  } catch {
    return undefined;
  }
}

const REGION = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;

export function checkOptions(options: unknown): Settings {
  if (options === null || typeof options !== "object") fail("options", "an object", options);
  const o = options as XrayApiEmitterOptions;
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) fail(key, `one of ${[...KNOWN].join(", ")} (unknown option)`, key);
  const has = (key: keyof XrayApiEmitterOptions) => o[key] !== undefined;

  if (has("client") && typeof o.client?.send !== "function") fail("client", "an XRayClient (an object with send())", o.client);
  if (has("signer") && typeof o.signer?.sign !== "function")
    fail("signer", "a SigV4 signer with sign(url, init) (aws4fetch's AwsClient)", o.signer);
  if (has("fetch") && typeof o.fetch !== "function") fail("fetch", "a function", o.fetch);
  if (has("fetch") && !has("signer")) fail("fetch", "given only with signer (the SDK sends its own requests)", "fetch");
  if (has("client") && has("signer")) fail("client", "given without signer (one transport or the other)", "client and signer");
  for (const key of ["region", "credentials", "endpoint"] as const)
    if (has("client") && has(key)) fail(key, "left out when client is given (the client carries its own)", o[key]);
  if (has("signer") && has("credentials")) fail("credentials", "left out when signer is given (the signer carries them)", "credentials");
  if (has("logger") && typeof o.logger?.warn !== "function") fail("logger", "an object with warn(message)", o.logger);

  if (has("region") && (typeof o.region !== "string" || !REGION.test(o.region)))
    fail("region", "an AWS Region such as us-east-1", o.region);
  if (has("credentials")) {
    const c = o.credentials as unknown;
    const ok =
      typeof c === "function" ||
      (typeof c === "object" &&
        c !== null &&
        typeof (c as Credentials).accessKeyId === "string" &&
        (c as Credentials).accessKeyId !== "" &&
        typeof (c as Credentials).secretAccessKey === "string" &&
        (c as Credentials).secretAccessKey !== "" &&
        ((c as Credentials).sessionToken === undefined || typeof (c as Credentials).sessionToken === "string"));
    if (!ok) fail("credentials", "{ accessKeyId, secretAccessKey, sessionToken? } (non-empty strings) or a function returning them", c);
  }
  let endpoint: string | undefined;
  if (has("endpoint")) {
    let url: URL | undefined;
    try {
      url = new URL(String(o.endpoint));
    } catch {}
    if (typeof o.endpoint !== "string" || url === undefined || (url.protocol !== "https:" && url.protocol !== "http:"))
      fail("endpoint", "an http(s) URL such as https://xray.us-east-1.amazonaws.com", o.endpoint);
    endpoint = o.endpoint;
  }
  const region = has("client") ? undefined : (o.region ?? regionFromEnvironment());
  if (!has("client") && region === undefined && !(has("signer") && endpoint !== undefined))
    fail("region", "given (or AWS_REGION set): an AWS Region such as us-east-1", undefined);

  return {
    region,
    endpoint: endpoint ?? (has("signer") ? `https://xray.${region}.amazonaws.com` : undefined),
    intervalMs: number(o.intervalMs, "intervalMs", 1, 600_000, 1_000, false),
    maxBatchDocuments: number(o.maxBatchDocuments, "maxBatchDocuments", 1, MAX_BATCH_DOCUMENTS, MAX_BATCH_DOCUMENTS),
    // A call must carry at least one largest document, escaped: below that, documents could never go.
    maxRequestBytes: number(o.maxRequestBytes, "maxRequestBytes", 2 * MAX_DOCUMENT_BYTES, 64 * 1024 * 1024, 50 * MAX_DOCUMENT_BYTES),
    maxQueueBytes: number(o.maxQueueBytes, "maxQueueBytes", MAX_DOCUMENT_BYTES, 1024 * 1024 * 1024, 1024 * 1024),
    timeoutMs: number(o.timeoutMs, "timeoutMs", 1, 600_000, 3_000, false),
    maxAttempts: number(o.maxAttempts, "maxAttempts", 1, 10, DEFAULT_MAX_ATTEMPTS),
  };
}
