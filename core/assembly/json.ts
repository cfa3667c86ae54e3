// JSON string writing over untrusted UTF-8. Every writer validates UTF-8 (an invalid sequence
// becomes U+FFFD), escapes what JSON requires, and truncates at a code-point boundary, so the
// output is valid JSON whatever bytes the host wrote.
import { reserve, putByte, putBytes, putLit, commit, outLength, truncate } from "./out";

/** Length of the valid UTF-8 sequence at p (1–4), or 0 when the bytes there are not valid. */
export function utf8Length(p: usize, end: usize): i32 {
  const c = <i32>load<u8>(p);
  if (c < 0x80) return 1;
  let n = 0, min = 0, cp = 0;
  if ((c & 0xe0) == 0xc0) { n = 2; min = 0x80; cp = c & 0x1f; }
  else if ((c & 0xf0) == 0xe0) { n = 3; min = 0x800; cp = c & 0x0f; }
  else if ((c & 0xf8) == 0xf0) { n = 4; min = 0x10000; cp = c & 0x07; }
  else return 0;
  if (p + <usize>n > end) return 0;
  for (let i = 1; i < n; i++) {
    const b = <i32>load<u8>(p + <usize>i);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

function putReplacement(): void {
  const p = reserve(3);
  store<u8>(p, 0xef); store<u8>(p + 1, 0xbf); store<u8>(p + 2, 0xbd);
  commit(3);
}

function putEscape(c: i32): void {
  putByte(92);
  if (c == 34 || c == 92) { putByte(c); return; }
  if (c == 10) { putByte(110); return; }
  if (c == 13) { putByte(114); return; }
  if (c == 9) { putByte(116); return; }
  const p = reserve(5);
  store<u8>(p, 117); store<u8>(p + 1, 48); store<u8>(p + 2, 48);
  store<u8>(p + 3, <u8>(48 + (c >> 4)));
  const d = c & 15;
  store<u8>(p + 4, <u8>(d < 10 ? 48 + d : 87 + d));
  commit(5);
}

/**
 * Writes `"…"`: the UTF-8 at [src, src+len) escaped, at most `maxChars` code points (≤ 0: no cap).
 * Returns the number of code points written.
 */
export function putString(src: usize, len: i32, maxChars: i32): i32 {
  putByte(34);
  const end = src + <usize>max(len, 0);
  let p = src, chars = 0;
  while (p < end && (maxChars <= 0 || chars < maxChars)) {
    const c = <i32>load<u8>(p);
    if (c >= 0x20 && c < 0x80 && c != 34 && c != 92) {
      // Plain ASCII run: the common case, copied without per-byte branches on escapes.
      let q = p + 1;
      let room = maxChars <= 0 ? <i32>(end - p) : maxChars - chars;
      while (q < end && <i32>(q - p) < room) {
        const d = <i32>load<u8>(q);
        if (d < 0x20 || d >= 0x80 || d == 34 || d == 92) break;
        q++;
      }
      putBytes(p, <i32>(q - p));
      chars += <i32>(q - p);
      p = q;
      continue;
    }
    if (c < 0x80) { putEscape(c); p++; chars++; continue; }
    const n = utf8Length(p, end);
    if (n == 0) { putReplacement(); p++; }
    else { putBytes(p, n); p += <usize>n; }
    chars++;
  }
  putByte(34);
  return chars;
}

/** Letters, digits, space and `_ . : / % & # = + - @`: the ASCII part of X-Ray's name set. */
@inline function nameByte(c: i32): bool {
  if ((c | 32) >= 97 && (c | 32) <= 122) return true;
  if (c >= 48 && c <= 57) return true;
  return c == 32 || c == 95 || c == 46 || c == 58 || c == 47 || c == 37 || c == 38 || c == 35 ||
    c == 61 || c == 43 || c == 45 || c == 64;
}

/**
 * Writes a segment name as a JSON string: ASCII outside the allowed set dropped (the host already
 * dropped non-ASCII characters that are not letters or numbers), at most `maxChars` code points;
 * an empty result becomes "anonymous". None of the allowed characters needs escaping in JSON.
 */
export function putName(src: usize, len: i32, maxChars: i32): void {
  const start = outLength();
  putByte(34);
  const end = src + <usize>max(len, 0);
  let p = src, chars = 0;
  while (p < end && chars < maxChars) {
    const c = <i32>load<u8>(p);
    if (c < 0x80) {
      if (nameByte(c)) {
        putByte(c);
        chars++;
      }
      p++;
      continue;
    }
    const n = utf8Length(p, end);
    if (n == 0) { p++; continue; }
    putBytes(p, n);
    p += <usize>n;
    chars++;
  }
  if (chars == 0) {
    truncate(start);
    putLit("\"anonymous");
  }
  putByte(34);
}

/**
 * Writes an annotation key as a JSON string: bytes outside [A-Za-z0-9_] become `_` (a multi-byte
 * character becomes one `_`), at most `maxChars`. Returns the number of replacements, or -1 when
 * the key is empty (nothing written).
 */
export function putAnnotationKey(src: usize, len: i32, maxChars: i32): i32 {
  if (len <= 0) return -1;
  const end = src + <usize>len;
  putByte(34);
  let p = src, chars = 0, replaced = 0;
  while (p < end && chars < maxChars) {
    const c = <i32>load<u8>(p);
    const ok = ((c | 32) >= 97 && (c | 32) <= 122) || (c >= 48 && c <= 57) || c == 95;
    if (ok) { putByte(c); p++; }
    else {
      putByte(95);
      replaced++;
      const n = c < 0x80 ? 1 : utf8Length(p, end);
      p += <usize>max(n, 1);
    }
    chars++;
  }
  putByte(34);
  return replaced;
}

@inline function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

function at(p: usize, len: i32, k: i32): i32 {
  return k < len ? <i32>load<u8>(p + <usize>k) : -1;
}

/** True when [p, p+len) is a JSON number (`-? int frac? exp?`). */
export function isJsonNumber(p: usize, len: i32): bool {
  let i = 0;
  if (at(p, len, i) == 45) i++;
  if (at(p, len, i) == 48) i++;
  else if (isDigit(at(p, len, i))) { while (isDigit(at(p, len, i))) i++; }
  else return false;
  if (at(p, len, i) == 46) {
    i++;
    if (!isDigit(at(p, len, i))) return false;
    while (isDigit(at(p, len, i))) i++;
  }
  if ((at(p, len, i) | 32) == 101) {
    i++;
    if (at(p, len, i) == 43 || at(p, len, i) == 45) i++;
    if (!isDigit(at(p, len, i))) return false;
    while (isDigit(at(p, len, i))) i++;
  }
  return i == len && len > 0;
}
