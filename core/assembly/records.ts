// A node's own data, kept already encoded as JSON fragments so that sending is mostly copying.
// Layout of node.data: the escaped name, then records `[kind u8][length u32][payload]`.
// A record replaced by a later one with the same key is marked K_DEAD; dead bytes are reclaimed
// by compaction when the buffer would otherwise pass the budget.
import { Node, inlineDataOf, rootOf } from "./store";
import { NODE_BUDGET, F_CLOSED } from "./shared";

export const K_DEAD: u8 = 0;
/** payload: [key length u16][key JSON string][value JSON] */
export const K_ANNOTATION: u8 = 1;
/** payload: [namespace length u16][namespace JSON string][key length u16][key JSON string][value JSON] */
export const K_METADATA: u8 = 2;
/** payload: [member u8][value JSON]; one per member (http, aws, sql, ...) */
export const K_MEMBER: u8 = 3;
/** payload: one exception object (JSON) for cause.exceptions */
export const K_EXCEPTION: u8 = 4;
/** payload: `cause.working_directory` as a JSON string; one per node, the first error's */
export const K_WORKDIR: u8 = 5;
/** Set on K_METADATA records while the encoder groups them by namespace. */
export const K_SEEN: u8 = 0x80;

export const HEADER: i32 = 5;
/** Dead bytes below this are left alone: compaction is not worth it for a few replaced values. */
const COMPACT_MIN: i32 = 512;

@inline export function recordKind(p: usize): u8 {
  return load<u8>(p);
}

@inline export function recordLength(p: usize): i32 {
  return load<i32>(p, 1);
}

@inline export function recordsStart(n: Node): usize {
  return n.data + <usize>n.nameLen;
}

@inline export function recordsEnd(n: Node): usize {
  return n.data + <usize>n.dataLen;
}

/** A `[length u16][bytes]` prefix inside a payload. */
@inline export function prefixLength(p: usize): i32 {
  return <i32>load<u16>(p);
}

function compact(n: Node): void {
  let w = recordsStart(n);
  const end = recordsEnd(n);
  for (let p = w; p < end;) {
    const size = <usize>(HEADER + recordLength(p));
    if (recordKind(p) != K_DEAD) {
      if (w != p) memory.copy(w, p, size);
      w += size;
    }
    p += size;
  }
  n.dataLen = <i32>(w - n.data);
  n.dead = 0;
}

function ensure(n: Node, need: i32): void {
  if (need <= n.dataCap) return;
  let cap = n.dataCap << 1;
  while (cap < need) cap <<= 1;
  if (n.data == inlineDataOf(n)) {
    const moved = heap.alloc(<usize>cap);
    memory.copy(moved, n.data, <usize>n.dataLen);
    n.data = moved;
  } else n.data = heap.realloc(n.data, <usize>cap);
  n.dataCap = cap;
}

/** True when `p` is a live record of `kind` whose payload starts with the `keyLen` bytes at `key`. */
export function recordMatches(p: usize, kind: u8, key: usize, keyLen: i32): bool {
  return recordKind(p) == kind && recordLength(p) >= keyLen && memory.compare(p + HEADER, key, <usize>keyLen) == 0;
}

/** Whether `n` holds a record of `kind` with that key. */
export function hasRecord(n: Node, kind: u8, key: usize, keyLen: i32): bool {
  for (let p = recordsStart(n), end = recordsEnd(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    if (recordMatches(p, kind, key, keyLen)) return true;
  }
  return false;
}

/**
 * Adds the record whose payload is `len` bytes at `src`, replacing live records of the same kind
 * whose payload starts with the same first `keyLen` bytes (keyLen 0: no replacing). Returns how
 * many records it replaced, or -1 when the node's budget refuses it (then nothing changed).
 */
export function upsertRecord(n: Node, kind: u8, src: usize, len: i32, keyLen: i32): i32 {
  const before = n.dataLen;
  const r = upsert(n, kind, src, len, keyLen);
  // A closed node's trace counts its bytes (TRACE_BUDGET): compaction and the new record move them.
  if (n.flags & F_CLOSED) rootOf(n).held += n.dataLen - before;
  return r;
}

function upsert(n: Node, kind: u8, src: usize, len: i32, keyLen: i32): i32 {
  let replaced = 0, replacedBytes = 0;
  const end = recordsEnd(n);
  if (keyLen > 0) {
    for (let p = recordsStart(n); p < end; p += <usize>(HEADER + recordLength(p))) {
      if (recordMatches(p, kind, src, keyLen)) {
        replaced++;
        replacedBytes += HEADER + recordLength(p);
      }
    }
  }
  const live = n.dataLen - n.nameLen - n.dead;
  if (live - replacedBytes + HEADER + len > NODE_BUDGET) return -1;
  if (replaced > 0) {
    for (let p = recordsStart(n); p < end; p += <usize>(HEADER + recordLength(p))) {
      if (recordMatches(p, kind, src, keyLen)) store<u8>(p, K_DEAD);
    }
    n.dead += replacedBytes;
  }
  // Compact when the dead records outweigh the live ones (every upsert scans them all: a key
  // replaced in a loop made each call cost microseconds), or when the budget demands it.
  if (n.dead > COMPACT_MIN && n.dead > live - replacedBytes || n.dataLen - n.nameLen + HEADER + len > NODE_BUDGET) compact(n);
  ensure(n, n.dataLen + HEADER + len);
  const p = recordsEnd(n);
  store<u8>(p, kind);
  store<i32>(p, len, 1);
  memory.copy(p + HEADER, src, <usize>len);
  n.dataLen += HEADER + len;
  return replaced;
}
