// Sampling-rule patterns: `*` matches any run, `?` one UTF-8 character, ASCII case-insensitive.
// Shared by the local rules (sampler.ts) and the centralized ones (centralized.ts).
import { utf8Length } from "./json";

@inline export function lower(c: i32): i32 {
  return c >= 65 && c <= 90 ? c | 32 : c;
}

/** Glob match of pattern [p, p+pl) against text [t, t+tl); `?` takes one UTF-8 character. */
export function globMatch(p: usize, pl: i32, t: usize, tl: i32): bool {
  let pi = 0, ti = 0, starP = -1, starT = 0;
  while (ti < tl) {
    if (pi < pl) {
      const pc = <i32>load<u8>(p + <usize>pi);
      if (pc == 42) { starP = pi++; starT = ti; continue; }
      const tc = lower(load<u8>(t + <usize>ti));
      if (pc == 63) {
        const n = tc < 0x80 ? 1 : utf8Length(t + <usize>ti, t + <usize>tl);
        pi++; ti += n > 0 ? n : 1;
        continue;
      }
      if (pc == tc) { pi++; ti++; continue; }
    }
    if (starP < 0) return false;
    pi = starP + 1;
    starT++;
    ti = starT;
  }
  while (pi < pl && load<u8>(p + <usize>pi) == 42) pi++;
  return pi == pl;
}
