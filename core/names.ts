import { MAX_NAME_CHARS } from "./limits.ts";

/**
 * Characters X-Ray does not allow in names. The core drops disallowed ASCII itself; this Unicode
 * pass runs only for names with non-ASCII characters (rare), keeping letters and numbers. Made on
 * first use: a literal with Unicode property classes costs 0.8 ms of every process's start-up
 * (V8 builds the classes when it parses the module), most of which never meets such a name.
 */
let notName: RegExp | undefined;
const NOT_NAME = () => (notName ??= /[^\p{L}\p{N}\p{Z}_.:/%&#=+\-@]/gu);
const ASCII = /^[\x00-\x7f]*$/;

/** UTF-16 units of a name read: twice the character limit covers surrogate pairs. */
export const MAX_NAME_INPUT = MAX_NAME_CHARS * 2;

/**
 * A segment name as the core takes it: a short ASCII name (the usual) as it is (the core filters
 * and cuts it to 200 characters); any other with its disallowed non-ASCII characters removed.
 */
export function nameText(name: string): string {
  if (name.length <= MAX_NAME_INPUT && ASCII.test(name)) return name;
  let s = name.length > MAX_NAME_INPUT * 4 ? name.slice(0, MAX_NAME_INPUT * 4) : name;
  s = s.replace(NOT_NAME(), "");
  return s.length > MAX_NAME_INPUT ? s.slice(0, MAX_NAME_INPUT) : s;
}
