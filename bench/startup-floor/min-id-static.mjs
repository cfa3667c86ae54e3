// min-id.mjs with node:fs taken by a static import instead of process.getBuiltinModule: shown
// beside the floor because it is the obvious way to write it, and costs a fresh ESM process more.
import { closeSync, openSync, readSync } from "node:fs";
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export function newSegmentId() {
  const b = new Uint8Array(8);
  const fd = openSync("/dev/urandom", "r");
  readSync(fd, b, 0, 8, null);
  closeSync(fd);
  return hex(b);
}
