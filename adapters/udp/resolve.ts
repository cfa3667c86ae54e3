/**
 * The daemon's host name to an IP address (`xray-daemon:2000` on ECS and EKS), through node:dns,
 * which Node, Bun and Deno all have and which reads /etc/hosts like the system resolver. IPv4 is
 * preferred when a name has both, as aws-xray-sdk-core (a udp4 socket) does.
 *
 * node:dns is imported on the first name to resolve, not with the module: an IP literal (Lambda's
 * 169.254.79.129:2000, the default 127.0.0.1:2000) never needs it, and loading it costs a fresh
 * Node process about 1.2 ms of its cold start (bench/startup-cold.mjs).
 */
import type { DaemonEndpoint } from "./address.ts";

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** True for an IP literal: nothing to resolve. */
export const isIp = (host: string): boolean => IPV4.test(host) || host.includes(":");

export type Resolve = (host: string) => Promise<{ address: string; family: 4 | 6 }>;

/**
 * Names under `.invalid` never resolve (RFC 6761 §6.4: resolvers "SHOULD always return immediately
 * with a negative response"): they are answered here without a lookup, which getaddrinfo would
 * otherwise send to the configured DNS server.
 */
const RESERVED_INVALID = /(^|\.)invalid\.?$/i;

type Lookup = typeof import("node:dns").lookup;
let dnsLookup: Promise<Lookup> | undefined;

export const resolveName: Resolve = async (host) => {
  if (RESERVED_INVALID.test(host)) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
  // A failed import is not kept: the next attempt (after its backoff) imports again.
  const lookup = await (dnsLookup ??= import("node:dns").then(
    (dns) => dns.lookup,
    (error) => {
      dnsLookup = undefined;
      throw error;
    },
  ));
  return new Promise((resolve, reject) => {
    lookup(host, { all: true }, (error, addresses) => {
      if (error) return reject(error);
      const list = addresses ?? [];
      const pick = list.find((a) => a.family === 4) ?? list[0];
      if (!pick) return reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }));
      resolve({ address: pick.address, family: pick.family === 6 ? 6 : 4 });
    });
  });
};

/** The endpoint with an IP address in place of its host name. */
export async function toIp(to: DaemonEndpoint, resolve: Resolve): Promise<DaemonEndpoint> {
  if (isIp(to.host)) return to;
  const { address, family } = await resolve(to.host);
  return { host: address, port: to.port, family };
}

/** The timer must not keep the process alive: Node's and Bun's have unref(), Deno's is a number. */
export function unref(timer: unknown): void {
  try {
    if (typeof (timer as { unref?: unknown }).unref === "function") (timer as { unref(): void }).unref();
    else (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(timer as number);
  } catch {
    // a timer that stays referenced only delays the exit until the lookup's deadline
  }
}

/**
 * How long after the n-th consecutive failure to open (resolve, create, connect) the next attempt
 * waits: 1 s, 2 s, 4 s ... at most 60 s. Meanwhile datagrams fail at once instead of queueing, so a
 * missing daemon costs a traced invocation nothing; the next send after the wait tries again.
 */
export const retryDelayMs = (failures: number): number => Math.min(60_000, 1000 * 2 ** Math.max(0, failures - 1));
