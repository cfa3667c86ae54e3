// Trace header parsing: `Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1`.
// Rules (README "Trace headers"): fields split on `;` only; key and value split on the first `=`;
// whitespace around both trimmed; keys case-insensitive; the last duplicate wins. The parser only
// finds and checks fields: results are byte offsets into the input, the host slices its string.
import { input, result } from "./abi";
import { hexValue } from "./hex";
import { HEADER_EXTRA_BUDGET } from "./limits";
import { TRACE_ID_LENGTH, SEGMENT_ID_LENGTH } from "./ids";

// Result slots (i32 index into `result`), mirrored in core/abi.ts.
const R_ROOT: i32 = 0;      // offset of the 35-byte root, or -1
const R_FLAGS: i32 = 1;     // bit 0: root has upper-case hex, bit 1: parent has
const R_PARENT: i32 = 2;    // offset of the 16-byte parent, or -1
const R_SAMPLED: i32 = 3;   // -1 absent or unknown, 0, 1, 2 for `?`
const R_SELF: i32 = 4;      // offset, length (or -1, 0)
const R_LINEAGE: i32 = 6;   // offset, length (or -1, 0)
const R_EXTRAS: i32 = 8;    // count, then (keyOffset, keyLength, valueOffset, valueLength) each
/** The most extras reported; more could not fit the 256-byte budget anyway (`;k=`). */
const MAX_EXTRAS: i32 = 85;

@inline function isSpace(c: i32): bool {
  return c == 32 || (c >= 9 && c <= 13);
}

@inline function slot(i: i32): usize {
  return result + (<usize>i << 2);
}

@inline function lower(c: i32): i32 {
  return c >= 65 && c <= 90 ? c | 32 : c;
}

/** Case-insensitive compare of input bytes with a lower-case ASCII literal. */
function keyIs(off: i32, len: i32, lit: string): bool {
  if (len != lit.length) return false;
  for (let i = 0; i < len; i++) {
    if (lower(load<u8>(input + <usize>(off + i))) != <i32>lit.charCodeAt(i)) return false;
  }
  return true;
}

function sameKey(a: i32, b: i32, len: i32): bool {
  for (let i = 0; i < len; i++) {
    if (lower(load<u8>(input + <usize>(a + i))) != lower(load<u8>(input + <usize>(b + i)))) return false;
  }
  return true;
}

function validRoot(off: i32, len: i32): bool {
  if (len != TRACE_ID_LENGTH) return false;
  const p = input + <usize>off;
  if (load<u8>(p) != 49 || load<u8>(p + 1) != 45 || load<u8>(p + 10) != 45) return false;
  for (let i = 2; i < TRACE_ID_LENGTH; i++) {
    if (i != 10 && hexValue(load<u8>(p + <usize>i)) < 0) return false;
  }
  return true;
}

function validParent(off: i32, len: i32): bool {
  if (len != SEGMENT_ID_LENGTH) return false;
  let zero = true;
  for (let i = 0; i < SEGMENT_ID_LENGTH; i++) {
    const v = hexValue(load<u8>(input + <usize>(off + i)));
    if (v < 0) return false;
    if (v != 0) zero = false;
  }
  return !zero;
}

function upper(off: i32, len: i32): bool {
  for (let i = 0; i < len; i++) {
    const c = <i32>load<u8>(input + <usize>(off + i));
    if (c >= 65 && c <= 70) return true;
  }
  return false;
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
  let root = -1, rootLen = 0, parent = -1, parentLen = 0, sampled = -1;
  let self = -1, selfLen = 0, lineage = -1, lineageLen = 0, extras = 0;
  let pos = 0;
  while (pos <= len) {
    // One field: [pos, end).
    let end = pos;
    while (end < len && load<u8>(input + <usize>end) != 59) end++;
    let eq = pos;
    while (eq < end && load<u8>(input + <usize>eq) != 61) eq++;
    if (eq < end) {
      let ks = pos, ke = eq, vs = eq + 1, ve = end;
      while (ks < ke && isSpace(load<u8>(input + <usize>ks))) ks++;
      while (ke > ks && isSpace(load<u8>(input + <usize>(ke - 1)))) ke--;
      while (vs < ve && isSpace(load<u8>(input + <usize>vs))) vs++;
      while (ve > vs && isSpace(load<u8>(input + <usize>(ve - 1)))) ve--;
      const kl = ke - ks, vl = ve - vs;
      if (keyIs(ks, kl, "root")) { root = vs; rootLen = vl; }
      else if (keyIs(ks, kl, "parent")) { parent = vs; parentLen = vl; }
      else if (keyIs(ks, kl, "sampled")) {
        const c = vl == 1 ? <i32>load<u8>(input + <usize>vs) : 0;
        sampled = c == 49 ? 1 : c == 48 ? 0 : c == 63 ? 2 : -1;
      }
      else if (keyIs(ks, kl, "self")) { self = vs; selfLen = vl; }
      else if (keyIs(ks, kl, "lineage")) { lineage = vs; lineageLen = vl; }
      else if (kl > 0) extras = addExtra(extras, ks, kl, vs, vl);
    }
    pos = end + 1;
  }
  const valid = root >= 0 && validRoot(root, rootLen);
  const parentOk = parent >= 0 && validParent(parent, parentLen);
  store<i32>(slot(R_ROOT), valid ? root : -1);
  store<i32>(slot(R_FLAGS), (valid && upper(root, rootLen) ? 1 : 0) | (parentOk && upper(parent, parentLen) ? 2 : 0));
  store<i32>(slot(R_PARENT), parentOk ? parent : -1);
  store<i32>(slot(R_SAMPLED), sampled);
  store<i32>(slot(R_SELF), self);
  store<i32>(slot(R_SELF + 1), selfLen);
  store<i32>(slot(R_LINEAGE), lineage);
  store<i32>(slot(R_LINEAGE + 1), lineageLen);
  store<i32>(slot(R_EXTRAS), budgetExtras(extras));
  return valid ? 1 : 0;
}
