// The hand-written minimum of start-up: a module whose one job is a segment ID, from the random
// source xray-edge uses on Node (/dev/urandom read with node:fs: no crypto initialization).
// process.getBuiltinModule, as xray-edge takes it: startup.mjs shows the static import beside it
// (min-id-static.mjs), which costs a fresh ESM process more.
const { closeSync, openSync, readSync } = process.getBuiltinModule("node:fs");
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export function newSegmentId() {
  const b = new Uint8Array(8);
  const fd = openSync("/dev/urandom", "r");
  readSync(fd, b, 0, 8, null);
  closeSync(fd);
  return hex(b);
}
