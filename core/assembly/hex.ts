// Hex digits: validation and lowercase encoding.

/** 256 bytes: the value of each hex digit (either case), 0xff for every other byte. */
const HEX_VALUES: usize = memory.data<u8>([
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255, 0,1,2,3,4,5,6,7,8,9,255,255,255,255,255,255,
  255,10,11,12,13,14,15,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,10,11,12,13,14,15,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
  255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255, 255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,255,
]);

/** The digit's value, or -1 for a byte that is not a hex digit. */
@inline export function hexValue(c: i32): i32 {
  const v = <i32>load<u8>(HEX_VALUES + <usize>(c & 255));
  return v == 255 ? -1 : v;
}

@inline export function isUpperHex(c: i32): bool {
  return c >= 65 && c <= 70;
}

/** True when `n` bytes at `p` are all hex digits; sets the upper-case flag through the return. */
export function allHex(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (hexValue(load<u8>(p + <usize>i)) < 0) return false;
  return true;
}

export function anyUpper(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (isUpperHex(load<u8>(p + <usize>i))) return true;
  return false;
}

@inline function digit(v: i32): u8 {
  return <u8>(v < 10 ? 48 + v : 87 + v);
}

/** Writes `n` bytes from `src` as 2n lowercase hex digits at `dst`. */
export function hexEncode(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(src + <usize>i);
    store<u8>(dst + (<usize>i << 1), digit(b >> 4));
    store<u8>(dst + (<usize>i << 1) + 1, digit(b & 15));
  }
}

/** Writes a u64 as 16 lowercase hex digits, most significant first. */
export function hex64(dst: usize, v: u64): void {
  for (let i = 15; i >= 0; i--) {
    store<u8>(dst + <usize>i, digit(<i32>(v & 15)));
    v >>= 4;
  }
}

/** Reads 16 hex digits (validated by the caller) as a u64. */
export function parseHex64(p: usize): u64 {
  let v: u64 = 0;
  for (let i = 0; i < 16; i++) v = (v << 4) | <u64>hexValue(load<u8>(p + <usize>i));
  return v;
}
