// The two fixed regions every call uses. The host writes UTF-8 arguments into `input` (with
// TextEncoder.encodeInto or a plain ASCII loop) and reads small results from `result`; documents
// come back in emission buffers (encode.ts). Both regions are static: no allocation per call.
// Their sizes, the slot numbers and the status codes are in shared.ts.
import { INPUT_CAP, RESULT_CAP, RESULT_ID_AT } from "./shared";

export const input: usize = memory.data(INPUT_CAP, 16);
export const result: usize = memory.data(RESULT_CAP, 16);
/** Where IDs are written as ASCII inside `result`. */
export const RESULT_ID: usize = result + <usize>RESULT_ID_AT;

@inline export function resultI32(index: i32, value: i32): void {
  store<i32>(result + (<usize>index << 2), value);
}
