/**
 * @module xray-edge/fetch: `instrumentFetch` records each HTTP(S) request made with fetch in a
 * traced context as a `remote` subsegment and passes the trace on in `X-Amzn-Trace-Id`.
 */
import { loadSettings } from "../context/storage.ts";
export { instrumentFetch, type InstrumentFetchOptions, type TracedFetch, type XRayRequestInit } from "./instrument.ts";
export type { TraceEntity } from "../../core/entity.ts";

// The environment is read and checked here, at import: a malformed setting fails the import,
// naming the variable and its accepted values, and no later call throws for it.
loadSettings();
