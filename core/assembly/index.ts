// core.wasm: the exports the host binds in core/abi.ts. Memory is exported as "memory".
import { input, result, RESULT_ID } from "./abi";
import { newId, writeTraceId } from "./ids";
import { hex64 } from "./hex";
import { liveNodes, setMaxEntities } from "./store";
import { entropyReset } from "./entropy";

export { parseHeader } from "./header";
export { segBegin, segBeginHeader, segEnd, segAbandon, segAnnotate, segMetadata, segMember, segException, segFlags,
  segSendOpen } from "./segment";
export { emitNext } from "./encode";
export { samplerCreate, samplerAddRule, samplerDecide, samplerFree, samplerCount } from "./sampler";
export { centralCreate, centralFree, centralAddRule, centralSetTarget, centralCarry, centralDecide, centralStats } from "./centralized";
export { liveNodes, setMaxEntities, entropyReset };

export function inputPtr(): usize { return input; }
export function resultPtr(): usize { return result; }

/** Writes a new segment ID (16 ASCII hex digits) at RESULT_ID. */
export function newSegmentId(): void {
  hex64(RESULT_ID, newId());
}

/** Writes the ID given as its high and low halves (16 ASCII hex digits) at RESULT_ID. */
export function hexId(high: u32, low: u32): void {
  hex64(RESULT_ID, (<u64>high << 32) | <u64>low);
}

/** Writes a new trace ID (35 ASCII bytes) at RESULT_ID; `now` is epoch seconds. */
export function newTraceId(now: f64): void {
  writeTraceId(RESULT_ID, now);
}
