// core.wasm: the exports the host binds in core/abi.ts. Memory is exported as "memory".
import { input, result, INPUT_CAP, RESULT_ID } from "./abi";
import { newId, writeTraceId } from "./ids";
import { hex64 } from "./hex";
import { outPtr, listPtr } from "./out";
import { liveNodes } from "./store";
import { setWorkingDir } from "./encode";
import { entropyReset } from "./entropy";

export { parseHeader } from "./header";
export { segBegin, segBeginHeader, segEnd, segAnnotate, segMetadata, segMember, segException, segFlags } from "./segment";
export { samplerCreate, samplerAddRule, samplerDecide } from "./sampler";
export { liveNodes, entropyReset };

export function inputPtr(): usize { return input; }
export function inputCap(): i32 { return INPUT_CAP; }
export function resultPtr(): usize { return result; }
export function idPtr(): usize { return RESULT_ID; }
export function outputPtr(): usize { return outPtr; }
export function datagramList(): usize { return listPtr; }

/** Writes a new segment ID (16 ASCII hex digits) at idPtr(). */
export function newSegmentId(): void {
  hex64(RESULT_ID, newId());
}

/** Writes the ID given as its high and low halves (16 ASCII hex digits) at idPtr(). */
export function hexId(high: u32, low: u32): void {
  hex64(RESULT_ID, (<u64>high << 32) | <u64>low);
}

/** Writes a new trace ID (35 ASCII bytes) at idPtr(); `now` is epoch seconds. */
export function newTraceId(now: f64): void {
  writeTraceId(RESULT_ID, now);
}

/** Sets `cause.working_directory`: a JSON string at input[0, len). */
export function setWorkingDirectory(len: i32): void {
  setWorkingDir(input, len < 0 ? 0 : min(len, 4096));
}
