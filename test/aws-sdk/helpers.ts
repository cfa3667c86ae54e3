/**
 * A local stand-in for an AWS service (node:http on 127.0.0.1, port 0) that answers from a script
 * and records what each request carried; a real XRayClient pointed at it; a tracer that samples
 * everything, with an in-memory emitter.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { XRayClient, type XRayClientConfig } from "@aws-sdk/client-xray";
import { Tracer, MemoryEmitter } from "../../adapters/host/index.ts";
import { registry } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";

// The same outcome whatever the shell's environment: default settings, not in Lambda (where the
// SDK's own recursion-detection middleware sets X-Amzn-Trace-Id), and no Node-version notice.
for (const name of ["AWS_LAMBDA_FUNCTION_NAME", "_X_AMZN_TRACE_ID"]) delete process.env[name];
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
registry().settings = readSettings({});

/**
 * Runs `fn` with the settings `name=value` would load. The environment is read only when a subpath
 * loads (test/faults runs that as processes); here the loaded settings are swapped instead.
 */
export async function withSetting<R>(name: string, value: string, fn: () => Promise<R>): Promise<R> {
  const saved = registry().settings;
  registry().settings = readSettings({ [name]: value });
  try {
    return await fn();
  } finally {
    registry().settings = saved;
  }
}

export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface Seen {
  method: string;
  path: string;
  /** The request's x-amzn-trace-id header, undefined when it had none. */
  traceHeader: string | undefined;
  /** Bytes of the body of the reply it was given. */
  replyLength: number;
}

export interface FakeService {
  url: string;
  /** Every request so far, in order. */
  seen: Seen[];
  /** The replies for the next requests, in order; the last one repeats. */
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function fakeService(): Promise<FakeService> {
  const seen: Seen[] = [];
  let replies: Reply[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const header = req.headers["x-amzn-trace-id"];
      const reply = replies.length > 1 ? replies.shift()! : (replies[0] ?? { status: 500, body: "{}" });
      seen.push({
        method: req.method ?? "",
        path: req.url ?? "",
        traceHeader: Array.isArray(header) ? header.join(",") : header,
        replyLength: Buffer.byteLength(reply.body),
      });
      res.writeHead(reply.status, {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(reply.body)),
        ...reply.headers,
      });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    script(...r) {
      replies = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const REGION = "eu-west-1";

/** A real X-Ray client for `service`, with static credentials. */
export function xrayClient(service: FakeService, config: Partial<XRayClientConfig> = {}): XRayClient {
  return new XRayClient({
    region: REGION,
    endpoint: service.url,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    maxAttempts: 1,
    ...config,
  });
}

/** A tracer that samples every segment, its emitter, and the warnings it gave. */
export function tracing(): { tracer: Tracer; emitter: MemoryEmitter; warnings: string[] } {
  const emitter = new MemoryEmitter();
  const warnings: string[] = [];
  const tracer = new Tracer({
    emitter,
    sampler: { shouldSample: () => ({ sampled: true, rule: "test" }) },
    logger: { warn: (m) => void warnings.push(m) },
  });
  return { tracer, emitter, warnings };
}

/** The one document emitted, and its subsegments. */
export function onlyDocument(emitter: MemoryEmitter): { doc: Record<string, any>; subs: Record<string, any>[] } {
  const docs = emitter.documents();
  if (docs.length !== 1) throw new Error(`expected one document, got ${docs.length}`);
  return { doc: docs[0]!, subs: docs[0]!.subsegments ?? [] };
}

export const json = (value: unknown): string => JSON.stringify(value);
