/** @module xray-edge/xray-api: centralized sampling and direct export through the X-Ray API. */
export { createXrayApiEmitter, type XrayApiEmitter, type XrayApiStats } from "./emitter.ts";
export type { XrayApiEmitterOptions } from "./options.ts";
export type { Credentials, Signer, XrayClientLike } from "./transport.ts";
