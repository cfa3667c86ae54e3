// Trace and segment IDs. Segment ID: 16 hex digits of 8 random bytes, never all zero.
// Trace ID: `1-` + 8 hex digits of epoch seconds + `-` + 24 hex digits of 12 random bytes.
import { random64, random32 } from "./entropy";
import { hex64, hex32 } from "./hex";


export function newId(): u64 {
  let v = random64();
  while (v == 0) v = random64();
  return v;
}

/** Writes a new trace ID (35 ASCII bytes) at `dst`. Times outside u32 seconds are clamped. */
export function writeTraceId(dst: usize, now: f64): void {
  let secs: f64 = Math.floor(now);
  if (!(secs >= 0)) secs = 0;
  if (secs > 4294967295) secs = 4294967295;
  store<u8>(dst, 49);
  store<u8>(dst + 1, 45);
  hex32(dst + 2, <u32>secs);
  store<u8>(dst + 10, 45);
  let hi = random32();
  let lo = random64();
  while (hi == 0 && lo == 0) { hi = random32(); lo = random64(); }
  hex32(dst + 11, hi);
  hex64(dst + 19, lo);
}
