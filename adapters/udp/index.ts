/** @module xray-edge/udp: the X-Ray daemon's address (the UDP emitter joins it). */
export { parseDaemonAddress, DEFAULT_DAEMON_ADDRESS, type DaemonAddress, type DaemonEndpoint } from "./address.ts";
