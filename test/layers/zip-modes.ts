/**
 * Unpacking a layer zip as Lambda does, each file with the Unix mode its entry records. The modes
 * are read from the central directory: fflate unpacks the data but does not report the external
 * attributes, which is where the executable bit lives.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";

/** Writes every entry of `zip` under `into`, with its recorded mode. */
export function unpackZip(zip: string, into: string): void {
  const bytes = readFileSync(zip);
  const modes = zipModes(bytes);
  for (const [name, data] of Object.entries(unzipSync(bytes))) {
    const file = join(into, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
    chmodSync(file, modes.get(name)! & 0o777);
  }
}

/** The Unix mode of each entry, by name. */
export function zipModes(zip: Uint8Array): Map<string, number> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end--; // end of central directory
  if (end < 0) throw new Error("not a zip: no end of central directory");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const modes = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error(`bad central directory entry ${i}`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const external = view.getUint32(at + 38, true);
    const name = new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLength));
    modes.set(name, external >>> 16);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return modes;
}
