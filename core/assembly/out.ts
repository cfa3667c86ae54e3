// The byte sink every writer of the core goes through (a json-as style "bs"). It writes into the
// buffer in use: the scratch buffer where records are built, or an emission's datagram buffer
// (encode.ts swaps it in for the length of one document). Two extra modes serve the encoder:
// counting (nothing is written, lengths add up: the size pass) and a limit (a document that
// would pass one datagram stops being written and is flagged, so the encoder can split it).

export let outPtr: usize = 0;
export let outLen: i32 = 0;
let outCap: i32 = 0;
/** True while the buffer in use may grow (the scratch buffer; datagram buffers never do). */
let growable: bool = true;
/** Set when a write did not fit a datagram buffer: the document is longer than its limit. */
export let overflowed: bool = false;
/** The size pass: lengths are counted, nothing is written. */
export let counting: bool = false;

/** Where writes go while counting or past the limit: room for the largest `reserve` (an ID, a time). */
const SINK_SIZE: i32 = 64;
const sink: usize = memory.data(SINK_SIZE, 16);

/** Kept when idle: one datagram's worth. A larger scratch buffer is given back after use. */
const SCRATCH_KEEP: i32 = 65536;
let scratchPtr: usize = 0;
let scratchCap: i32 = 0;

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

/** The scratch buffer, empty, as the buffer in use (every exported call starts here). */
export function useScratch(): void {
  saveScratch();
  if (scratchCap > SCRATCH_KEEP * 2) {
    heap.free(scratchPtr);
    scratchPtr = 0;
    scratchCap = 0;
  }
  outPtr = scratchPtr;
  outCap = scratchCap;
  outLen = 0;
  growable = true;
  overflowed = false;
  counting = false;
}

/** Writes go to the fixed buffer [ptr, ptr + cap) until useScratch; past `limit` bytes they stop. */
export function useBuffer(ptr: usize, cap: i32, limit: i32): void {
  saveScratch();
  outPtr = ptr;
  outCap = limit < cap ? limit : cap;
  outLen = 0;
  growable = false;
  overflowed = false;
  counting = false;
}

/** Marks the document in the buffer as not sendable as it is (too deep), as an overflow does. */
export function setOverflowed(): void {
  overflowed = true;
}

/** The size pass: from here until useScratch or useBuffer, only lengths are counted. */
export function startCounting(): void {
  saveScratch();
  outLen = 0;
  counting = true;
  overflowed = false;
}

function saveScratch(): void {
  if (growable) {
    scratchPtr = outPtr;
    scratchCap = outCap;
  }
}

/** A pointer to room for `n` more bytes (commit them after writing); the sink when not writing. */
@inline export function reserve(n: i32): usize {
  if (outLen + n > outCap || counting) return reserveSlow(n);
  return outPtr + <usize>outLen;
}

function reserveSlow(n: i32): usize {
  if (counting) return sink;
  if (!growable) {
    overflowed = true;
    return sink;
  }
  const need = outLen + n;
  let cap = outCap < SCRATCH_KEEP ? SCRATCH_KEEP : outCap;
  while (cap < need) cap <<= 1;
  outPtr = outPtr == 0 ? heap.alloc(<usize>cap) : heap.realloc(outPtr, <usize>cap);
  outCap = cap;
  // Only the scratch buffer grows: remember it, or the next useScratch would allocate anew.
  scratchPtr = outPtr;
  scratchCap = outCap;
  return outPtr + <usize>outLen;
}

/** Whether bytes can be stored at reserve(n)'s pointer (false: count them only). */
@inline function writing(n: i32): bool {
  return !counting && (growable || outLen + n <= outCap);
}

export function putByte(b: i32): void {
  store<u8>(reserve(1), <u8>b);
  outLen++;
}

/** Copies under this many bytes use a loop: memory.copy costs a call into the engine. */
const SHORT_COPY: i32 = 32;

export function putBytes(src: usize, n: i32): void {
  if (n <= 0) return;
  if (!writing(n)) {
    if (!counting) overflowed = true;
    outLen += n;
    return;
  }
  const p = reserve(n);
  if (n < SHORT_COPY) for (let i = 0; i < n; i++) store<u8>(p + <usize>i, load<u8>(src + <usize>i));
  else memory.copy(p, src, <usize>n);
  outLen += n;
}

/** Writes an ASCII string literal (the JSON punctuation and keys of the encoder). */
export function putLit(s: string): void {
  const n = s.length;
  if (n > SINK_SIZE && !writing(n)) {
    if (!counting) overflowed = true;
    outLen += n;
    return;
  }
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
