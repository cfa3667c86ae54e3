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

/** A pointer to room for `n` more bytes (commit them after writing). */
@inline export function reserve(n: i32): usize {
  if (outLen + n > outCap) growOut(n);
  return outPtr + <usize>outLen;
}

function growOut(n: i32): void {
  const need = outLen + n;
  let cap = outCap < OUT_KEEP ? OUT_KEEP : outCap;
  while (cap < need) cap <<= 1;
  outPtr = outPtr == 0 ? heap.alloc(<usize>cap) : heap.realloc(outPtr, <usize>cap);
  outCap = cap;
}

export function putByte(b: i32): void {
  store<u8>(reserve(1), <u8>b);
  outLen++;
}

/** Copies under this many bytes use a loop: memory.copy costs a call into the engine. */
const SHORT_COPY: i32 = 32;

export function putBytes(src: usize, n: i32): void {
  if (n <= 0) return;
  const p = reserve(n);
  if (n < SHORT_COPY) for (let i = 0; i < n; i++) store<u8>(p + <usize>i, load<u8>(src + <usize>i));
  else memory.copy(p, src, <usize>n);
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

// The last whole second written and its digits: every time in a document falls in one or two
// seconds, so the 10-digit division loop runs about once per document instead of per time.
let lastSecs: u32 = 0;
const secsDigits: usize = memory.data<u8>([48, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
let secsLen: i32 = 1;

/**
 * Epoch seconds with exactly six decimals (microseconds); NaN and negatives become 0, times past
 * 2106 (u32 seconds) are clamped. The fraction is rounded on its own: `t * 1e6` would round twice
 * (at 1.7e15 doubles are 0.25 apart).
 */
export function putTime(t: f64): void {
  if (!(t >= 0)) t = 0;
  if (t > 4294967295) t = 4294967295;
  let secs = <u32>t;
  let micros = <u32>((t - <f64>secs) * 1e6 + 0.5);
  if (micros >= 1000000) { secs += 1; micros -= 1000000; }
  if (secs != lastSecs) {
    let n = 1;
    for (let v = secs; v >= 10; v /= 10) n++;
    let v = secs;
    for (let i = n - 1; i >= 0; i--) { store<u8>(secsDigits + <usize>i, <u8>(48 + v % 10)); v /= 10; }
    lastSecs = secs;
    secsLen = n;
  }
  const p = reserve(secsLen + 7);
  for (let i = 0; i < secsLen; i++) store<u8>(p + <usize>i, load<u8>(secsDigits + <usize>i));
  const f = p + <usize>secsLen;
  store<u8>(f, 46);
  for (let i = 6; i >= 1; i--) { store<u8>(f + <usize>i, <u8>(48 + micros % 10)); micros /= 10; }
  outLen += secsLen + 7;
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
