import { parseDaemonAddress } from "./address.ts";
import type { UdpEmitter } from "./accounting.ts";
import { createBunUdpEmitter } from "./bun.ts";
import { createDenoUdpEmitter, type DenoGlobal } from "./deno.ts";
import { createNodeUdpEmitter } from "./node.ts";

export interface UdpEmitterOptions {
  /** The daemon: `host:port` or `udp:host:port tcp:host:port`. Default: AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000. */
  address?: string;
}

/**
 * An Emitter that sends each datagram to the X-Ray daemon over UDP. A bad address throws here, at
 * creation, naming AWS_XRAY_DAEMON_ADDRESS; a failed send never throws: it is counted in stats().
 *
 * @example
 * const tracer = new Tracer({ emitter: createUdpEmitter() });
 */
export function createUdpEmitter(options: UdpEmitterOptions = {}): UdpEmitter {
  const to = parseDaemonAddress(options.address).udp;
  const g = globalThis as { Bun?: Parameters<typeof createBunUdpEmitter>[1]; Deno?: DenoGlobal };
  if (g.Bun) return createBunUdpEmitter(to, g.Bun);
  if (g.Deno) return createDenoUdpEmitter(to, g.Deno);
  return createNodeUdpEmitter(to);
}
