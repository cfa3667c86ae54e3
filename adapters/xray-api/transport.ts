/**
 * The two ways a batch reaches PutTraceSegments (`POST /TraceSegments`, body
 * `{"TraceSegmentDocuments": [string...]}`, answer `{"UnprocessedTraceSegments": [{Id, ErrorCode,
 * Message}]}`): the AWS SDK's XRayClient, or a SigV4 signer (aws4fetch's AwsClient has the shape)
 * plus fetch. Neither signs by hand: the SDK or the signer does.
 */

export interface UnprocessedSegment {
  Id?: string;
  ErrorCode?: string;
  Message?: string;
}

/** One PutTraceSegments call. Rejects on any failure; the emitter classifies the error (retry.ts). */
export type Put = (documents: string[], signal: AbortSignal) => Promise<UnprocessedSegment[]>;

/** An XRayClient, or anything whose send() takes the SDK's commands. */
export interface XrayClientLike {
  send(command: any, options?: { abortSignal?: AbortSignal }): Promise<any>;
}

/** Signs a request (aws4fetch: `new AwsClient({ accessKeyId, secretAccessKey, service: "xray", region })`). */
export interface Signer {
  sign(url: string, init: { method: string; headers: Record<string, string>; body: string }): Promise<Request>;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** What the client-xray transport is made from; `client` wins over the rest. */
export interface SdkSettings {
  client?: XrayClientLike;
  region?: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  endpoint?: string;
}

interface ClientXrayModule {
  XRayClient: new (config: Record<string, unknown>) => XrayClientLike;
  PutTraceSegmentsCommand: new (input: { TraceSegmentDocuments: string[] }) => unknown;
}

/** Loads an optional peer. A variable specifier: bundlers (a Worker's) do not pull the SDK in unasked. */
export type Load = (specifier: string) => Promise<unknown>;
export const dynamicImport: Load = (specifier) => import(specifier);

export const CLIENT_XRAY = "@aws-sdk/client-xray";

/** The SDK could not be loaded: every document is failed with one warning saying what to do. */
export class SdkMissing extends Error {
  override name = "SdkMissing";
}

/**
 * Through @aws-sdk/client-xray, loaded at the first call (never at import: a program that never
 * sends pays nothing). An XRayClient made here has the SDK's own retries off (`maxAttempts: 1`): the
 * emitter's schedule is the only one. A client passed in keeps its settings, retries included.
 */
export function sdkPut(settings: SdkSettings, load: Load = dynamicImport): Put {
  let ready: Promise<{ client: XrayClientLike; Command: ClientXrayModule["PutTraceSegmentsCommand"] }> | undefined;
  const prepare = async () => {
    let mod: ClientXrayModule;
    try {
      mod = (await load(CLIENT_XRAY)) as ClientXrayModule;
      if (typeof mod?.PutTraceSegmentsCommand !== "function") throw new Error("it has no PutTraceSegmentsCommand");
    } catch (error) {
      throw new SdkMissing(
        `${CLIENT_XRAY} could not be loaded (${(error as Error)?.message ?? error}): install it, or pass a signer (aws4fetch) to createXrayApiEmitter`,
      );
    }
    const client =
      settings.client ??
      new mod.XRayClient({
        region: settings.region,
        maxAttempts: 1,
        ...(settings.credentials !== undefined ? { credentials: settings.credentials } : {}),
        ...(settings.endpoint !== undefined ? { endpoint: settings.endpoint } : {}),
      });
    return { client, Command: mod.PutTraceSegmentsCommand };
  };
  return async (documents, signal) => {
    ready ??= prepare();
    let sdk: Awaited<typeof ready>;
    try {
      sdk = await ready;
    } catch (error) {
      ready = undefined; // a later call tries again (the package may be installed meanwhile: a long-lived server)
      throw error;
    }
    const output = await sdk.client.send(new sdk.Command({ TraceSegmentDocuments: documents }), { abortSignal: signal });
    return Array.isArray(output?.UnprocessedTraceSegments) ? output.UnprocessedTraceSegments : [];
  };
}

/** An error answer of the API, shaped like the SDK's (`name`, `$metadata.httpStatusCode`) for one classifier. */
export class ApiError extends Error {
  readonly $metadata: { httpStatusCode: number };
  constructor(name: string, status: number, message: string) {
    super(message);
    this.name = name;
    this.$metadata = { httpStatusCode: status };
  }
}

type Fetch = (request: Request, init?: { signal?: AbortSignal }) => Promise<Response>;

/** Through a signer and fetch (Workers, or wherever the SDK is too heavy). */
export function signedPut(signer: Signer, endpoint: string, fetcher: Fetch): Put {
  const url = `${endpoint.replace(/\/+$/, "")}/TraceSegments`;
  return async (documents, signal) => {
    const body = JSON.stringify({ TraceSegmentDocuments: documents });
    const request = await signer.sign(url, { method: "POST", headers: { "content-type": "application/json" }, body });
    const response = await fetcher(request, { signal });
    const text = await response.text();
    if (response.status !== 200) {
      // The restJson error type: the x-amzn-ErrorType header ("Name:uri..."), else the body's __type or code.
      let parsed: { __type?: unknown; code?: unknown; message?: unknown; Message?: unknown } = {};
      try {
        parsed = JSON.parse(text);
      } catch {
        // a proxy's HTML page: the status says enough
      }
      const header = response.headers.get("x-amzn-errortype")?.split(":")[0];
      const type = header || (typeof parsed.__type === "string" ? parsed.__type.split("#").pop() : undefined) || parsed.code;
      const message = parsed.message ?? parsed.Message ?? text.slice(0, 200);
      throw new ApiError(typeof type === "string" && type !== "" ? type : "HttpError", response.status, String(message));
    }
    const answer = JSON.parse(text) as { UnprocessedTraceSegments?: unknown };
    return Array.isArray(answer?.UnprocessedTraceSegments) ? (answer.UnprocessedTraceSegments as UnprocessedSegment[]) : [];
  };
}
