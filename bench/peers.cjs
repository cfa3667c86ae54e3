// The peers, loaded the way their users load them, with their network send replaced by a byte
// counter so that only their own work is measured (format, Buffer copy), never a syscall.
const AWSXRay = require("aws-xray-sdk-core");
const utils = require("aws-xray-sdk-core/dist/lib/utils");
const SegmentEmitter = require("aws-xray-sdk-core/dist/lib/segment_emitter");
const LocalSampler = require("aws-xray-sdk-core/dist/lib/middleware/sampling/local_sampler");
const crypto = require("node:crypto");
const { AWSXRayPropagator } = require("@opentelemetry/propagator-aws-xray");
const { AWSXRayIdGenerator } = require("@opentelemetry/id-generator-aws-xray");
const { ROOT_CONTEXT, defaultTextMapGetter, trace } = require("@opentelemetry/api");

AWSXRay.setContextMissingStrategy("IGNORE_ERROR");
AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
let sentBytes = 0;
SegmentEmitter.socket = { send: (_message, _offset, length) => void (sentBytes += length) };

/**
 * aws-xray-sdk-core's centralized sampler (DefaultSampler over its RuleCache) with `rules` loaded
 * as its rule poller loads them, its pollers marked started so that it never reaches the network.
 */
function awsCentralSampler(rules, now) {
  const DefaultSampler = require("aws-xray-sdk-core/dist/lib/middleware/sampling/default_sampler");
  const RuleCache = require("aws-xray-sdk-core/dist/lib/middleware/sampling/rule_cache");
  const SamplingRule = require("aws-xray-sdk-core/dist/lib/middleware/sampling/sampling_rule");
  DefaultSampler.started = true;
  RuleCache.loadRules(
    rules.map(
      (r) =>
        new SamplingRule(
          r.RuleName,
          r.Priority,
          r.FixedRate,
          r.ReservoirSize,
          r.Host,
          r.HTTPMethod,
          r.URLPath,
          r.ServiceName,
          r.ServiceType,
        ),
    ),
  );
  RuleCache.timestamp(now);
  return DefaultSampler;
}

module.exports = {
  AWSXRay,
  awsCentralSampler,
  sentBytes: () => sentBytes,
  /** How aws-xray-sdk-core reads an incoming header (its middleware calls this). */
  awsParse: (header) => utils.processTraceData(header),
  /** aws-xray-sdk-core's ID code: crypto.randomBytes per ID (segment.js, subsegment.js, trace_id.js). */
  awsSegmentId: () => crypto.randomBytes(8).toString("hex"),
  awsTraceId: () => new (require("aws-xray-sdk-core/dist/lib/segments/attributes/trace_id"))().toString(),
  awsSampler: LocalSampler,
  otelPropagator: new AWSXRayPropagator(),
  otelIds: new AWSXRayIdGenerator(),
  otelExtract(propagator, carrier) {
    return trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  },
};
