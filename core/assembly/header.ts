// Trace header parsing: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
// Rules (README "Trace headers"): fields split on `;` only; key and value split on the first `=`;
// whitespace around both trimmed; keys case-insensitive; the last duplicate wins. The parser only
// finds and checks fields: results are byte offsets into the input, the host slices its string.
import { input, result } from "./abi";
import { hexValue } from "./hex";
import { INPUT_CAP, HEADER_EXTRA_BUDGET, TRACE_ID_LENGTH, SEGMENT_ID_LENGTH, R_ROOT, R_FLAGS, R_PARENT, R_SAMPLED, R_SELF,
  R_LINEAGE, R_EXTRAS, MAX_EXTRAS } from "./shared";

// Byte offsets of the slots segBeginHeader reads.
export const R_ROOT_BYTE: usize = <usize>R_ROOT << 2;
export const R_PARENT_BYTE: usize = <usize>R_PARENT << 2;
export const R_SAMPLED_BYTE: usize = <usize>R_SAMPLED << 2;

@inline function isSpace(c: i32): bool {
  return c == 32 || (c >= 9 && c <= 13);
}

@inline function slot(i: i32): usize {
  return result + (<usize>i << 2);
}

@inline function lower(c: i32): i32 {
  return c >= 65 && c <= 90 ? c | 32 : c;
}

/** 256 bytes: 1 for `;` (59) and `=` (61), the bytes the field scanner stops at; 0 otherwise. */
const SEPARATORS: usize = memory.data<u8>([
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,1,0,1,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
  0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0, 0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
]);

// Known keys as little-endian words of lower-case bytes. `| 0x20` lower-cases letters, and only a
// letter's two cases map to the same lower-case letter, so the compare is exact for these keys.
const ROOT: u32 = 0x746f6f72;  // "root"
const SELF: u32 = 0x666c6573;  // "self"
const PARE: u32 = 0x65726170;  // "pare" + "nt"
const NT: u32 = 0x746e;
const SAMP: u32 = 0x706d6173;  // "samp" + "le" + "d"
const LINE: u32 = 0x656e696c;  // "line" + "ag" + "e"
const LE: u32 = 0x656c;
const AG: u32 = 0x6761;

// What a key is (keyKind).
const K_EXTRA: i32 = 0;
const K_ROOT: i32 = 1;
const K_PARENT: i32 = 2;
const K_SAMPLED: i32 = 3;
const K_SELF: i32 = 4;
const K_LINEAGE: i32 = 5;

function keyKind(p: usize, len: i32): i32 {
  if (len == 4) {
    const w = load<u32>(p) | 0x20202020;
    return w == ROOT ? K_ROOT : w == SELF ? K_SELF : K_EXTRA;
  }
  if (len == 6) {
    return (load<u32>(p) | 0x20202020) == PARE && (<u32>load<u16>(p, 4) | 0x2020) == NT ? K_PARENT : K_EXTRA;
  }
  if (len == 7) {
    const w = load<u32>(p) | 0x20202020;
    const t = <u32>load<u16>(p, 4) | 0x2020;
    const e = <u32>load<u8>(p, 6) | 0x20;
    if (w == SAMP && t == LE && e == 0x64) return K_SAMPLED;
    if (w == LINE && t == AG && e == 0x65) return K_LINEAGE;
  }
  return K_EXTRA;
}

function sameKey(a: i32, b: i32, len: i32): bool {
  for (let i = 0; i < len; i++) {
    if (lower(load<u8>(input + <usize>(a + i))) != lower(load<u8>(input + <usize>(b + i)))) return false;
  }
  return true;
}

/**
 * Checks `1-` + 8 hex + `-` + 24 hex at input[off] in one pass. Returns -1 when invalid, else 1 when a hex letter
 * is upper-case (the host lower-cases it), 0 otherwise.
 */
export function checkRoot(off: i32, len: i32): i32 {
  if (len != TRACE_ID_LENGTH) return -1;
  const p = input + <usize>off;
  if (load<u8>(p) != 49 || load<u8>(p + 1) != 45 || load<u8>(p + 10) != 45) return -1;
  let upperCase = 0;
  for (let i = 2; i < TRACE_ID_LENGTH; i++) {
    if (i == 10) continue;
    const c = <i32>load<u8>(p + <usize>i);
    if (hexValue(c) < 0) return -1;
    upperCase |= c < 0x60 && c > 0x40 ? 1 : 0;
  }
  return upperCase;
}

/** 16 hex digits, not all zero: -1 when invalid, else 1 when a hex letter is upper-case. */
export function checkParent(off: i32, len: i32): i32 {
  if (len != SEGMENT_ID_LENGTH) return -1;
  let any = 0, upperCase = 0;
  for (let i = 0; i < SEGMENT_ID_LENGTH; i++) {
    const c = <i32>load<u8>(input + <usize>(off + i));
    const v = hexValue(c);
    if (v < 0) return -1;
    any |= v;
    upperCase |= c < 0x60 && c > 0x40 ? 1 : 0;
  }
  return any == 0 ? -1 : upperCase;
}

/** Appends an extra, dropping an earlier one with the same key (the last duplicate wins). */
function addExtra(count: i32, ko: i32, kl: i32, vo: i32, vl: i32): i32 {
  for (let i = 0; i < count; i++) {
    const s = R_EXTRAS + 1 + i * 4;
    if (load<i32>(slot(s + 1)) == kl && sameKey(load<i32>(slot(s)), ko, kl)) {
      memory.copy(slot(s), slot(s + 4), <usize>((count - i - 1) * 16));
      count--;
      break;
    }
  }
  if (count == MAX_EXTRAS) return count;
  const s = R_EXTRAS + 1 + count * 4;
  store<i32>(slot(s), ko);
  store<i32>(slot(s + 1), kl);
  store<i32>(slot(s + 2), vo);
  store<i32>(slot(s + 3), vl);
  return count + 1;
}

/** Keeps extras in order while `;key=value` fits the budget; the first that does not ends the list. */
function budgetExtras(count: i32): i32 {
  let used = 0;
  for (let i = 0; i < count; i++) {
    const s = R_EXTRAS + 1 + i * 4;
    used += load<i32>(slot(s + 1)) + load<i32>(slot(s + 3)) + 2;
    if (used > HEADER_EXTRA_BUDGET) return i;
  }
  return count;
}

/**
 * Parses `len` bytes of input. Returns 1 when the header has a valid Root, 0 otherwise; the
 * fields are in the result slots. Total: any bytes and any length up to the input region.
 */
export function parseHeader(len: i32): i32 {
  if (len < 0) len = 0;
  if (len > INPUT_CAP) len = INPUT_CAP;
  let root = -1, rootLen = 0, parent = -1, parentLen = 0, sampled = -1;
  let self = -1, selfLen = 0, lineage = -1, lineageLen = 0, extras = 0;
  let pos = 0;
  while (pos <= len) {
    // One field, [pos, end), split at its first `=`.
    let end = pos, eq = -1;
    while (end < len) {
      // One table load and one branch per ordinary byte; `;` and `=` are the rare ones.
      const c = <i32>load<u8>(input + <usize>end);
      if (load<u8>(SEPARATORS + <usize>c) != 0) {
        if (c == 59) break;
        if (eq < 0) eq = end;
      }
      end++;
    }
    if (eq >= 0) {
      let ks = pos, ke = eq, vs = eq + 1, ve = end;
      while (ks < ke && isSpace(load<u8>(input + <usize>ks))) ks++;
      while (ke > ks && isSpace(load<u8>(input + <usize>(ke - 1)))) ke--;
      while (vs < ve && isSpace(load<u8>(input + <usize>vs))) vs++;
      while (ve > vs && isSpace(load<u8>(input + <usize>(ve - 1)))) ve--;
      const kl = ke - ks, vl = ve - vs;
      const kind = keyKind(input + <usize>ks, kl);
      if (kind == K_ROOT) { root = vs; rootLen = vl; }
      else if (kind == K_PARENT) { parent = vs; parentLen = vl; }
      else if (kind == K_SAMPLED) {
        const c = vl == 1 ? <i32>load<u8>(input + <usize>vs) : 0;
        sampled = c == 49 ? 1 : c == 48 ? 0 : c == 63 ? 2 : -1;
      }
      else if (kind == K_SELF) { self = vs; selfLen = vl; }
      else if (kind == K_LINEAGE) { lineage = vs; lineageLen = vl; }
      else if (kl > 0) extras = addExtra(extras, ks, kl, vs, vl);
    }
    pos = end + 1;
  }
  const rootCheck = root >= 0 ? checkRoot(root, rootLen) : -1;
  const parentCheck = parent >= 0 ? checkParent(parent, parentLen) : -1;
  const valid = rootCheck >= 0;
  store<i32>(slot(R_ROOT), valid ? root : -1);
  store<i32>(slot(R_FLAGS), (rootCheck > 0 ? 1 : 0) | (parentCheck > 0 ? 2 : 0));
  store<i32>(slot(R_PARENT), parentCheck >= 0 ? parent : -1);
  store<i32>(slot(R_SAMPLED), sampled);
  store<i32>(slot(R_SELF), self);
  store<i32>(slot(R_SELF + 1), selfLen);
  store<i32>(slot(R_LINEAGE), lineage);
  store<i32>(slot(R_LINEAGE + 1), lineageLen);
  store<i32>(slot(R_EXTRAS), budgetExtras(extras));
  return valid ? 1 : 0;
}
