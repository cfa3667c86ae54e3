/**
 * @module The package's main entry (`xray-edge`): the core's API, with the host runtime's
 * platform (adapters/host/platform.ts) as the default of every core it makes.
 */
import { setDefaultPlatform } from "../../core/default.ts";
import { hostPlatform } from "./platform.ts";

setDefaultPlatform(hostPlatform);

export * from "../../core/index.ts";
