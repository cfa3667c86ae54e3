// The segment store. Segments and subsegments live here; the host holds (slot, generation)
// handles. A slot's generation moves on when its node is freed, so a handle kept after its
// document was sent no longer matches and is refused (E_STALE) instead of touching another node.
// Bounded by design: at most `maxEntities` nodes live at once (E_CAP past it), and every walk over
// a tree follows the first/next/parent links with no recursion and no stack, so depth costs
// nothing but the nodes themselves.
import { F_CLOSED, F_FAULT, F_ERROR, F_THROTTLE, F_INDEPENDENT, F_STREAM, DEFAULT_MAX_ENTITIES, MAX_ENTITIES_LIMIT } from "./shared";

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
  /** The size pass (encode.ts): this node's subtree as a descendant, then its own fields alone. */
  encodedSize: i32;
  ownSize: i32;
  /** The top of the document this node is in: it counts the bytes its tree holds. */
  root: usize;
  /** On a root: the weight (nodeWeight) of the closed nodes of its tree, waiting for a document. */
  held: i32;
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
let maxEntities: i32 = DEFAULT_MAX_ENTITIES;

/**
 * Bytes a closed node stands for in its trace's budget (TRACE_BUDGET): its data and about what
 * its fixed fields encode to. Only closed nodes count: they are what sending early can free.
 */
const NODE_FIXED_WEIGHT: i32 = 160;

@inline export function nodeWeight(n: Node): i32 {
  return n.dataLen + NODE_FIXED_WEIGHT;
}

@inline export function rootOf(n: Node): Node {
  return changetype<Node>(n.root);
}

/** Sets the cap on live nodes (clamped to [1, MAX_ENTITIES_LIMIT]); returns the cap now in force. */
export function setMaxEntities(n: i32): i32 {
  maxEntities = n < 1 ? 1 : n > MAX_ENTITIES_LIMIT ? MAX_ENTITIES_LIMIT : n;
  return maxEntities;
}

function grow(): void {
  const cap = slotCap == 0 ? 256 : slotCap << 1;
  slots = slots == 0 ? heap.alloc(<usize>cap << 3) : heap.realloc(slots, <usize>cap << 3);
  freeList = freeList == 0 ? heap.alloc(<usize>cap << 2) : heap.realloc(freeList, <usize>cap << 2);
  memory.fill(slots + (<usize>slotCap << 3), 0, <usize>(cap - slotCap) << 3);
  slotCap = cap;
}

/** A zeroed node in a fresh slot, its own root; null when `maxEntities` nodes are live. */
export function allocNode(): Node | null {
  if (live >= maxEntities) return null;
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
  n.root = changetype<usize>(n);
  n.held = 0;
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

/** Links `child` (a fresh node) as the last child of `parent`, in its parent's trace budget. */
export function appendChild(parent: Node, child: Node): void {
  child.parent = changetype<usize>(parent);
  child.root = parent.root;
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

/** The next node after `n` in a pre-order walk of the subtree under `top` (0 at the end). */
export function nextInTree(n: Node, top: Node): usize {
  if (n.first != 0) return n.first;
  let c = n;
  while (changetype<usize>(c) != changetype<usize>(top)) {
    if (c.next != 0) return c.next;
    c = changetype<Node>(c.parent);
  }
  return 0;
}

/**
 * Makes `n` (already unlinked from its parent) a document of its own, child of `parentId` in
 * trace `trace` (35 bytes), and the root of its subtree's budget, which leaves its old root's.
 */
export function makeIndependent(n: Node, trace: usize, parentId: u64): void {
  const old = n.root;
  // A subtree of a streaming trace keeps streaming on its own: its subsegments leave as they close.
  n.flags |= F_INDEPENDENT | (old != 0 ? changetype<Node>(old).flags & F_STREAM : 0);
  n.parentId = parentId;
  if (traceIdOf(n) != trace) memory.copy(traceIdOf(n), trace, 35);
  let weight = 0;
  for (let c = changetype<usize>(n); c != 0; c = nextInTree(changetype<Node>(c), n)) {
    changetype<Node>(c).root = changetype<usize>(n);
    if (changetype<Node>(c).flags & F_CLOSED) weight += nodeWeight(changetype<Node>(c));
  }
  if (old != changetype<usize>(n) && old != 0) changetype<Node>(old).held -= weight;
  n.held = weight;
}

/**
 * Frees `n` and its whole subtree (unlinked from any parent first), open or closed; returns how
 * many nodes were freed. Children before parents, with no stack: the walk descends to a leaf,
 * frees it and climbs.
 */
export function freeTree(n: Node): i32 {
  if (n.parent != 0) unlinkChild(changetype<Node>(n.parent), n);
  const top = changetype<usize>(n);
  let freed = 0;
  let c = top;
  while (true) {
    const node = changetype<Node>(c);
    if (node.first != 0) { c = node.first; continue; }
    const up = node.parent;
    const next = node.next;
    if (c != top) {
      changetype<Node>(up).first = next;
      if (next == 0) changetype<Node>(up).last = 0;
    }
    node.next = 0;
    node.parent = 0;
    if (node.root != c && (node.flags & F_CLOSED) != 0) rootOf(node).held -= nodeWeight(node);
    freeNode(node);
    freed++;
    if (c == top) return freed;
    c = next != 0 ? next : up;
  }
  return freed;
}
