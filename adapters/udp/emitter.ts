import type { Logger } from "../../core/log.ts";
import { levelLogger, readSettings } from "../context/settings.ts";
import { Accounting, type UdpEmitter } from "./accounting.ts";
import { parseDaemonAddress } from "./address.ts";
import { type BunGlobal, openBunSocket } from "./bun.ts";
import { type DenoGlobal, openDenoSocket } from "./deno.ts";
import { type LinkHooks, linkEmitter, type Open, type QueueLimits } from "./link.ts";
import { openNodeSocket } from "./node.ts";

export interface UdpEmitterOptions {
  /** The daemon: `host:port` or `udp:host:port tcp:host:port`. Default: AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000. */
  address?: string;
  /** Where each kind of failure is said once. Default: console.warn with "[xray-edge]", silenced by AWS_XRAY_LOG_LEVEL=silent. */
  logger?: Logger;
  /** Bounds of the queue of datagrams waiting for the socket to open; beyond them, datagrams are counted failed. */
  queue?: QueueLimits;
}

/**
 * console.warn under AWS_XRAY_LOG_LEVEL. A malformed setting throws (configuration fails at
 * creation); Deno without --allow-env throws NotCapable on reading any variable: the default
 * level applies, as it does for the address.
 */
function defaultLogger(): Logger {
  try {
    return levelLogger(readSettings().logLevel);
  } catch (error) {
    if ((error as Error)?.name === "NotCapable" || (error as Error)?.name === "PermissionDenied") return levelLogger("warn");
    throw error;
  }
}

/**
 * An Emitter that sends each datagram to the X-Ray daemon over UDP. A bad address throws here, at
 * creation, naming AWS_XRAY_DAEMON_ADDRESS; a failed send never throws: it is counted in stats().
 *
 * @example
 * const tracer = new Tracer({ emitter: createUdpEmitter() });
 */
export function createUdpEmitter(options: UdpEmitterOptions = {}): UdpEmitter {
  return createUdpEmitterWith(options);
}

/** createUdpEmitter with a resolver and a clock of the test's (not exported from xray-edge/udp). */
export function createUdpEmitterWith(options: UdpEmitterOptions, hooks?: LinkHooks): UdpEmitter {
  const to = parseDaemonAddress(options.address).udp;
  const address = to.family === 6 ? `[${to.host}]:${to.port}` : `${to.host}:${to.port}`;
  const accounting = new Accounting(options.logger ?? defaultLogger(), address);
  const g = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal };
  const open: Open = g.Bun
    ? (ip) => openBunSocket(ip, g.Bun!, accounting)
    : g.Deno
      ? (ip) => openDenoSocket(ip, g.Deno!, accounting)
      : (ip) => openNodeSocket(ip, accounting);
  return linkEmitter(to, accounting, open, options.queue, hooks);
}
