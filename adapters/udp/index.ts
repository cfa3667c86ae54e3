/** @module xray-edge/udp: the X-Ray daemon client over UDP, on Node, Bun and Deno. */
export { createUdpEmitter, type UdpEmitterOptions } from "./emitter.ts";
export type { UdpEmitter, UdpStats } from "./accounting.ts";
export type { QueueLimits } from "./link.ts";
export { parseDaemonAddress, DEFAULT_DAEMON_ADDRESS, type DaemonAddress, type DaemonEndpoint } from "./address.ts";
