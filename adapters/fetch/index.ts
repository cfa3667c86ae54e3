/**
 * @module xray-edge/fetch: `instrumentFetch` records each HTTP(S) request made with fetch in a
 * traced context as a `remote` subsegment and passes the trace on in `X-Amzn-Trace-Id`.
 */
export { instrumentFetch, type InstrumentFetchOptions, type TracedFetch, type XRayRequestInit } from "./instrument.ts";
export type { TraceEntity } from "../../core/entity.ts";
