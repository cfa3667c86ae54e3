// One growable output buffer reused for every document (a json-as style "byte sink"). Datagrams are
// written back to back; `datagrams` lists their (offset, length) pairs for the host.

export let outPtr: usize = 0;
export let outLen: i32 = 0;
let outCap: i32 = 0;

/** Kept when idle: one datagram's worth. A larger buffer is given back after a big emission. */
const OUT_KEEP: i32 = 65536;

/** Counts `n` bytes the caller wrote at the pointer `reserve` returned. */
@inline export function commit(n: i32): void {
  outLen += n;
}

@inline export function outLength(): i32 {
  return outLen;
}

/** Drops everything written after `len` (a rollback). */
@inline export function truncate(len: i32): void {
  outLen = len;
}

export function outReset(): void {
  if (outCap > OUT_KEEP * 4) {
    heap.free(outPtr);
    outPtr = 0;
    outCap = 0;
  }
  outLen = 0;
  listLen = 0;
}

export function reserve(n: i32): usize {
  const need = outLen + n;
  if (need > outCap) {
    let cap = outCap < OUT_KEEP ? OUT_KEEP : outCap;
    while (cap < need) cap <<= 1;
    outPtr = outPtr == 0 ? heap.alloc(<usize>cap) : heap.realloc(outPtr, <usize>cap);
    outCap = cap;
  }
  return outPtr + <usize>outLen;
}

export function putByte(b: i32): void {
  const p = reserve(1);
  store<u8>(p, <u8>b);
  outLen++;
}

export function putBytes(src: usize, n: i32): void {
  if (n <= 0) return;
  const p = reserve(n);
  memory.copy(p, src, <usize>n);
  outLen += n;
}

/** Writes an ASCII string literal (the JSON punctuation and keys of the encoder). */
export function putLit(s: string): void {
  const n = s.length;
  const p = reserve(n);
  const src = changetype<usize>(s);
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, load<u16>(src + (<usize>i << 1)));
  outLen += n;
}

export function putUint(v: u64): void {
  const p = reserve(20);
  let n = 0;
  let t = v;
  do { n++; t /= 10; } while (t != 0);
  let q = p + <usize>n;
  do { q--; store<u8>(q, <u8>(48 + <i32>(v % 10))); v /= 10; } while (v != 0);
  outLen += n;
}

/**
 * Epoch seconds with exactly six decimals (microseconds); NaN and negatives become 0. The
 * fraction is rounded on its own: `t * 1e6` would round twice (at 1.7e15 doubles are 0.25 apart).
 */
export function putTime(t: f64): void {
  if (!(t >= 0)) t = 0;
  if (t > 1e11) t = 1e11;
  let secs = Math.floor(t);
  let micros = <i32>Math.floor((t - secs) * 1e6 + 0.5);
  if (micros >= 1000000) { secs += 1; micros -= 1000000; }
  putUint(<u64>secs);
  putByte(46);
  const p = reserve(6);
  for (let i = 5; i >= 0; i--) { store<u8>(p + <usize>i, <u8>(48 + micros % 10)); micros /= 10; }
  outLen += 6;
}

// The datagram list: pairs of i32 (offset into the output buffer, length).
export let listPtr: usize = 0;
export let listLen: i32 = 0;
let listCap: i32 = 0;

export function listPush(offset: i32, length: i32): void {
  if (listLen == listCap) {
    listCap = listCap == 0 ? 16 : listCap << 1;
    listPtr = listPtr == 0 ? heap.alloc(<usize>listCap << 3) : heap.realloc(listPtr, <usize>listCap << 3);
  }
  store<i32>(listPtr + (<usize>listLen << 3), offset);
  store<i32>(listPtr + (<usize>listLen << 3), length, 4);
  listLen++;
}
