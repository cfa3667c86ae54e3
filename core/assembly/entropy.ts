// Randomness pool. The core reads no entropy of its own: the host's `entropy(ptr, len)` import
// fills the pool with OS CSPRNG bytes (crypto.getRandomValues) straight into wasm memory, and the
// pool is refilled when drained. Tests inject a seeded source to make output reproducible.

@external("env", "entropy")
declare function hostEntropy(ptr: usize, len: i32): void;

/**
 * 64 KiB, the most one getRandomValues call accepts. On Node 20 a call costs about 10 µs whatever
 * its size, plus 0.3 ns a byte: a 4 KiB pool put 22 ns of refill on every 8-byte ID, this one
 * 2.6 ns (.tmp/rng.mjs in the session that chose it).
 */
const POOL_SIZE: i32 = 65536;
/**
 * The first fill is small: a fresh process's first ID should not wait for 64 KiB of kernel
 * randomness (0.7 ms of a loaded machine's start-up, against 0.1 ms for 4 KiB). Later fills take
 * the whole pool. The stream of bytes drawn is the same either way.
 */
const FIRST_FILL: i32 = 4096;
const pool: usize = memory.data(POOL_SIZE, 16);
let filled: i32 = 0;
let used: i32 = 0;

function refill(): void {
  filled = filled == 0 ? FIRST_FILL : POOL_SIZE;
  hostEntropy(pool, filled);
  used = 0;
}

// Loads are byte-swapped so that an ID's hex digits are the pool's bytes in order: what the
// conformance vectors, written by hand from a known byte stream, rely on.
export function random64(): u64 {
  if (used + 8 > filled) refill();
  const v = bswap<u64>(load<u64>(pool + <usize>used));
  used += 8;
  return v;
}

export function random32(): u32 {
  if (used + 4 > filled) refill();
  const v = bswap<u32>(load<u32>(pool + <usize>used));
  used += 4;
  return v;
}

/** Drops what is left so the next draw refills: lets tests restart a seeded stream. */
export function entropyReset(): void {
  used = filled;
}
