/** @module xray-edge/xray-api: centralized sampling and direct export through the X-Ray API. */
export {
  type CentralizedSamplerOptions,
  CentralizedSampler,
  createCentralizedSampler,
  RULES_INTERVAL_MS,
  RULES_TTL_S,
  type SamplingSource,
  TARGETS_INTERVAL_MS,
} from "./sampler.ts";
export type { RulesPage, SamplingTransport, StatisticsDocument, TargetsAnswer } from "./sampling-transport.ts";
export { createXrayApiEmitter, type XrayApiEmitter, type XrayApiStats } from "./emitter.ts";
export type { XrayApiEmitterOptions } from "./options.ts";
export type { Credentials, Signer, XrayClientLike } from "./transport.ts";
