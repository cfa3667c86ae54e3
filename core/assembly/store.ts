// The segment store. Segments and subsegments live here; the host holds (slot, generation)
// handles. A slot's generation moves on when its node is freed, so a handle kept after its
// document was sent no longer matches and is refused (E_STALE) instead of touching another node.

export const F_CLOSED: i32 = 1;
export const F_FAULT: i32 = 2;
export const F_ERROR: i32 = 4;
export const F_THROTTLE: i32 = 8;
/** A Lambda facade: never sent itself; each child is sent as its own document when it closes. */
export const F_FACADE: i32 = 16;
/** Sent as its own document: carries `type`, `trace_id` and `parent_id`. */
export const F_INDEPENDENT: i32 = 32;
/** A root whose incoming trace header named a parent (`parent_id` is written). */
export const F_HAS_PARENT: i32 = 64;
/** Namespace, two bits: 1 `aws`, 2 `remote`. */
export const F_NS_SHIFT: i32 = 8;
export const F_NS_MASK: i32 = 3 << 8;
/** Flags the host may set with segFlags. */
export const F_USER: i32 = F_FAULT | F_ERROR | F_THROTTLE;

@unmanaged export class Node {
  slot: i32;
  flags: i32;
  parent: usize;
  first: usize;
  last: usize;
  next: usize;
  start: f64;
  end: f64;
  id: u64;
  parentId: u64;
  /** The escaped name (`"…"`, nameLen bytes) followed by records (records.ts). */
  data: usize;
  dataLen: i32;
  dataCap: i32;
  nameLen: i32;
  annotations: i32;
  /** Bytes of records replaced by later ones (K_DEAD), reclaimed by compaction. */
  dead: i32;
  /** Where this node's subtree ended in the output during the last encode (the splitter). */
  encodedSize: i32;
}

/** The trace ID (35 ASCII bytes) is stored after the fields, then INLINE_DATA bytes of data. */
const TRACE_AT: usize = offsetof<Node>();
/**
 * Room for a typical node's name and records inside its own block (a name, a few annotations and
 * a small metadata value), so most nodes cost no allocation beyond their block.
 */
export const INLINE_DATA: i32 = 216;
const NODE_SIZE: usize = TRACE_AT + 40 + <usize>INLINE_DATA;
/**
 * Freed node blocks kept for reuse: allocating from TLSF was a tenth of a traced segment's time.
 * Bounded, so a burst of open nodes does not pin memory for ever.
 */
const POOL_MAX: i32 = 4096;
let pool: usize = 0;
let pooled: i32 = 0;

@inline export function traceIdOf(n: Node): usize {
  return changetype<usize>(n) + TRACE_AT;
}

/** The node's inline data area (node.data points here until the data outgrows it). */
@inline export function inlineDataOf(n: Node): usize {
  return changetype<usize>(n) + TRACE_AT + 40;
}

// Slot table: per slot a node pointer (u32) and a generation (u32).
let slots: usize = 0;
let slotCap: i32 = 0;
let slotTop: i32 = 0;
let freeList: usize = 0;
let freeCount: i32 = 0;
let live: i32 = 0;

function grow(): void {
  const cap = slotCap == 0 ? 256 : slotCap << 1;
  slots = slots == 0 ? heap.alloc(<usize>cap << 3) : heap.realloc(slots, <usize>cap << 3);
  freeList = freeList == 0 ? heap.alloc(<usize>cap << 2) : heap.realloc(freeList, <usize>cap << 2);
  memory.fill(slots + (<usize>slotCap << 3), 0, <usize>(cap - slotCap) << 3);
  slotCap = cap;
}

export function allocNode(): Node {
  let slot: i32;
  if (freeCount > 0) {
    freeCount--;
    slot = load<i32>(freeList + (<usize>freeCount << 2));
  }
  else {
    if (slotTop == slotCap) grow();
    slot = slotTop++;
  }
  let block: usize;
  if (pooled > 0) {
    pooled--;
    block = load<u32>(pool + (<usize>pooled << 2));
  } else block = heap.alloc(NODE_SIZE);
  memory.fill(block, 0, TRACE_AT);
  const n = changetype<Node>(block);
  n.data = inlineDataOf(n);
  n.dataCap = INLINE_DATA;
  n.slot = slot;
  store<u32>(slots + (<usize>slot << 3), <u32>changetype<usize>(n));
  live++;
  return n;
}

export function generationOf(n: Node): u32 {
  return load<u32>(slots + (<usize>n.slot << 3), 4);
}

/** The node behind a handle, or null when the handle is stale or out of range. */
export function lookup(slot: i32, gen: i32): Node | null {
  if (slot < 0 || slot >= slotTop) return null;
  const p = slots + (<usize>slot << 3);
  const ptr = load<u32>(p);
  if (ptr == 0 || load<u32>(p, 4) != <u32>gen) return null;
  return changetype<Node>(<usize>ptr);
}

/** Frees one node (not its children) and retires its handle. */
export function freeNode(n: Node): void {
  const p = slots + (<usize>n.slot << 3);
  store<u32>(p, 0);
  store<u32>(p, load<u32>(p, 4) + 1, 4);
  store<i32>(freeList + (<usize>freeCount << 2), n.slot);
  freeCount++;
  if (n.data != inlineDataOf(n)) heap.free(n.data);
  if (pooled < POOL_MAX) {
    if (pool == 0) pool = heap.alloc(<usize>POOL_MAX << 2);
    store<u32>(pool + (<usize>pooled << 2), <u32>changetype<usize>(n));
    pooled++;
  } else heap.free(changetype<usize>(n));
  live--;
}

/** Nodes alive now: lets tests and benchmarks check that memory stays flat. */
export function liveNodes(): i32 {
  return live;
}

export function appendChild(parent: Node, child: Node): void {
  child.parent = changetype<usize>(parent);
  if (parent.last == 0) parent.first = changetype<usize>(child);
  else changetype<Node>(parent.last).next = changetype<usize>(child);
  parent.last = changetype<usize>(child);
}

export function unlinkChild(parent: Node, child: Node): void {
  let prev: usize = 0;
  let c = parent.first;
  while (c != 0 && c != changetype<usize>(child)) { prev = c; c = changetype<Node>(c).next; }
  if (c == 0) return;
  if (prev == 0) parent.first = child.next;
  else changetype<Node>(prev).next = child.next;
  if (parent.last == changetype<usize>(child)) parent.last = prev;
  child.next = 0;
  child.parent = 0;
}

/** Makes `n` a document of its own, child of `parentId` in trace `trace` (35 bytes). */
export function makeIndependent(n: Node, trace: usize, parentId: u64): void {
  n.flags |= F_INDEPENDENT;
  n.parentId = parentId;
  memory.copy(traceIdOf(n), trace, 35);
}
