/**
 * AWS_XRAY_DAEMON_ADDRESS, in the forms AWS's SDKs accept: `host:port` (UDP and TCP both), or
 * `tcp:host:port udp:host:port` in either order. IPv6 hosts go in brackets (`[::1]:2000`). The TCP
 * part is the daemon's proxy to the X-Ray API (sampling rules and targets).
 */

export interface DaemonEndpoint {
  host: string;
  port: number;
  family: 4 | 6;
}

export interface DaemonAddress {
  udp: DaemonEndpoint;
  tcp: DaemonEndpoint;
}

export const DEFAULT_DAEMON_ADDRESS = "127.0.0.1:2000";

const FORMS = "host:port, udp:host:port tcp:host:port (either order), IPv6 as [::1]:2000";
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9A-Fa-f:.]+(?:%[A-Za-z0-9]+)?$/;

function invalid(value: string, why: string): never {
  throw new Error(`xray-edge: invalid AWS_XRAY_DAEMON_ADDRESS ${JSON.stringify(value)}: ${why}; expected ${FORMS}`);
}

function endpoint(text: string, value: string): DaemonEndpoint {
  let host: string, port: string;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0 || text[close + 1] !== ":") invalid(value, `"${text}" has no ]:port`);
    host = text.slice(1, close);
    port = text.slice(close + 2);
    if (!IPV6.test(host) || !host.includes(":")) invalid(value, `"${host}" is not an IPv6 address`);
  } else {
    const colon = text.lastIndexOf(":");
    if (colon <= 0) invalid(value, `"${text}" has no host:port`);
    host = text.slice(0, colon);
    port = text.slice(colon + 1);
    // A dotted run of digits must be an IPv4 address, not a host name.
    const ok = /^[\d.]+$/.test(host) ? IPV4.test(host) : HOSTNAME.test(host);
    if (!ok) invalid(value, `"${host}" is not a host name or IPv4 address`);
  }
  const n = Number(port);
  if (!/^\d{1,5}$/.test(port) || n < 1 || n > 65535) invalid(value, `port "${port}" is not 1 to 65535`);
  return { host, port: n, family: text.startsWith("[") ? 6 : 4 };
}

function fromEnvironment(): string | undefined {
  const g = globalThis as {
    process?: { env?: Record<string, string | undefined> };
    Deno?: { env: { get(name: string): string | undefined } };
  };
  try {
    // Deno without --allow-env throws on reading a variable, through process.env too.
    const fromProcess = g.process?.env?.AWS_XRAY_DAEMON_ADDRESS;
    if (fromProcess !== undefined) return fromProcess;
    return g.Deno?.env.get("AWS_XRAY_DAEMON_ADDRESS");
  } catch {
    return undefined; // the default applies
  }
}

/** Parses `value`, else AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000. Throws, naming the setting, on a bad value. */
export function parseDaemonAddress(value: string | undefined = fromEnvironment() ?? DEFAULT_DAEMON_ADDRESS): DaemonAddress {
  const parts = value
    .trim()
    .split(/\s+/)
    .filter((p) => p !== "");
  if (parts.length === 1 && !/^(udp|tcp):/i.test(parts[0]!)) {
    const both = endpoint(parts[0]!, value);
    return { udp: both, tcp: { ...both } };
  }
  if (parts.length !== 2) invalid(value, parts.length === 0 ? "it is empty" : "it needs both a udp: and a tcp: part");
  const found: Partial<DaemonAddress> = {};
  for (const part of parts) {
    const m = /^(udp|tcp):(.+)$/i.exec(part);
    if (!m) invalid(value, `"${part}" does not start with udp: or tcp:`);
    const kind = m[1]!.toLowerCase() as "udp" | "tcp";
    if (found[kind]) invalid(value, `it names ${kind}: twice`);
    found[kind] = endpoint(m[2]!, value);
  }
  return found as DaemonAddress;
}
