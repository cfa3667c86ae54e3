import type { Logger } from "../../core/log.ts";
import { envChoice, LOG_LEVELS, levelLogger, processEnv } from "../context/settings.ts";
import { Accounting, type UdpEmitter } from "./accounting.ts";
import { DEFAULT_DAEMON_ADDRESS, parseDaemonAddress } from "./address.ts";
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
 * The settings this module reads, read and checked once, at import: a malformed
 * AWS_XRAY_DAEMON_ADDRESS or AWS_XRAY_LOG_LEVEL makes `import "xray-edge/udp"` throw, naming the
 * variable, and no later call throws for a setting. Deno without --allow-env throws NotCapable on
 * reading any variable: the defaults apply.
 */
function fromEnv<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (error) {
    if ((error as Error)?.name === "NotCapable" || (error as Error)?.name === "PermissionDenied") return fallback;
    throw error;
  }
}
const ENV_DAEMON = fromEnv(() => parseDaemonAddress().udp, parseDaemonAddress(DEFAULT_DAEMON_ADDRESS).udp);
const ENV_LOG_LEVEL = fromEnv(() => envChoice(processEnv(), "AWS_XRAY_LOG_LEVEL", LOG_LEVELS, "warn"), "warn" as const);

/**
 * An Emitter that sends each datagram to the X-Ray daemon over UDP. A malformed `address` option
 * throws here, at creation; a failed send never throws: it is counted in stats().
 *
 * @example
 * const tracer = new Tracer({ emitter: createUdpEmitter() });
 */
export function createUdpEmitter(options: UdpEmitterOptions = {}): UdpEmitter {
  return createUdpEmitterWith(options);
}

/** createUdpEmitter with a resolver and a clock of the test's (not exported from xray-edge/udp). */
export function createUdpEmitterWith(options: UdpEmitterOptions, hooks?: LinkHooks): UdpEmitter {
  const to = options.address === undefined ? ENV_DAEMON : parseDaemonAddress(options.address).udp;
  const address = to.family === 6 ? `[${to.host}]:${to.port}` : `${to.host}:${to.port}`;
  const accounting = new Accounting(options.logger ?? levelLogger(ENV_LOG_LEVEL), address);
  const g = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal };
  const open: Open = g.Bun
    ? (ip) => openBunSocket(ip, g.Bun!, accounting)
    : g.Deno
      ? (ip) => openDenoSocket(ip, g.Deno!, accounting)
      : (ip) => openNodeSocket(ip, accounting);
  return linkEmitter(to, accounting, open, options.queue, hooks);
}
