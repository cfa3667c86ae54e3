import type { Core } from "./abi.ts";

/** 16 lower-case hex digits from the OS CSPRNG, pooled in wasm memory; never all zero. */
export function newSegmentIdWith(core: Core): string {
  core.x.newSegmentId();
  return core.read(core.idAt, 16);
}

/** `1-` + 8 hex digits of epoch seconds + `-` + 24 hex digits from the OS CSPRNG. */
export function newTraceIdWith(core: Core, nowSeconds: number): string {
  core.x.newTraceId(nowSeconds);
  return core.read(core.idAt, 35);
}
