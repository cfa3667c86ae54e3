import type { Core } from "./abi.ts";
import { MAX_NAME_CHARS } from "./limits.ts";

/**
 * Characters X-Ray does not allow in names. The core drops disallowed ASCII itself; this Unicode
 * pass runs only for names with non-ASCII characters (rare), keeping letters and numbers.
 */
const NOT_NAME = /[^\p{L}\p{N}\p{Z}_.:/%&#=+\-@]/gu;
const ASCII = /^[\x00-\x7f]*$/;

/** UTF-16 units of a name read: twice the character limit covers surrogate pairs. */
export const MAX_NAME_INPUT = MAX_NAME_CHARS * 2;

/**
 * Writes a segment name at input offset `at`; the core filters and cuts it to 200 characters.
 * A short ASCII name (the usual) is written by the copy loop alone; the Unicode pass runs only
 * when the name has other characters.
 */
export function writeName(core: Core, name: string, at: number): number {
  let s = typeof name === "string" ? name : String(name);
  if (s.length <= MAX_NAME_INPUT && ASCII.test(s)) return core.write(s, at, MAX_NAME_INPUT);
  if (s.length > MAX_NAME_INPUT * 4) s = s.slice(0, MAX_NAME_INPUT * 4);
  s = s.replace(NOT_NAME, "");
  if (s.length > MAX_NAME_INPUT) s = s.slice(0, MAX_NAME_INPUT);
  return core.write(s, at, MAX_NAME_INPUT * 3);
}
