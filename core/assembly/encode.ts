// Documents: a node and its subtree as X-Ray segment JSON, framed for the daemon, handed out one
// datagram at a time. A close starts an emission: a list of document roots. Each emitNext call
// encodes one root into the emission's own datagram buffer and frees what it sent, so a trace of
// any size never needs more than one datagram of output, and a close from inside the host's send
// (an emitter that traces) gets an emission of its own instead of writing over this one.
//
// No recursion anywhere: the tree is walked through its first/next/parent links. A document that
// does not fit one datagram is split bottom-up (splitToFit): every subtree that would pass the
// limit sends its largest children as documents of their own (`type: "subsegment"`, `trace_id`,
// `parent_id`), so chains of any depth and fans of any width end up in full datagrams.
import { Node, traceIdOf, unlinkChild, makeIndependent, freeTree, nextInTree } from "./store";
import { encodeOwn } from "./document";
import { putByte, putLit, outLength, overflowed, setOverflowed, useBuffer, useScratch, startCounting } from "./out";
import { result } from "./abi";
import { F_CLOSED, F_QUEUED, MAX_DATAGRAM_BYTES, MAX_DOCUMENT_DEPTH, MAX_EMISSIONS, R_EMIT_PTR, R_EMIT_CLOSED,
  R_EMIT_OPEN } from "./shared";

/** What the daemon requires before every document, spaces included. */
const DAEMON_HEADER = '{"format": "json", "version": 1}\n';
const DAEMON_HEADER_BYTES: i32 = 33;
/** What a subtree gains as a document of its own: `trace_id`, `type` and `parent_id` (100 bytes). */
const INDEPENDENT_BYTES: i32 = 100;
/** A subtree larger than this (as a descendant) sends children on their own until it fits. */
const SPLIT_LIMIT: i32 = MAX_DATAGRAM_BYTES - DAEMON_HEADER_BYTES - INDEPENDENT_BYTES;
/** `,"subsegments":[` and `]`. */
const SUBSEGMENTS_BYTES: i32 = 18;
/** Past this many children the split cuts from the end instead of searching for the largest. */
const LARGEST_SEARCH_MAX: i32 = 64;

let closedInDocument: i32 = 0;
let openInDocument: i32 = 0;

/** Writes the document headed by `r`, depth first through the links. Stops early on overflow. */
function encodeTree(r: Node): void {
  closedInDocument = 0;
  openInDocument = 0;
  let n = r;
  let depth = 0;
  while (true) {
    encodeOwn(n, n === r);
    if (n.flags & F_CLOSED) closedInDocument++;
    else openInDocument++;
    if (overflowed) return;
    if (n.first != 0) {
      // Too deep for one document: as if it did not fit, so splitToFit cuts it by depth.
      if (depth == MAX_DOCUMENT_DEPTH) { setOverflowed(); return; }
      putLit(',"subsegments":[');
      n = changetype<Node>(n.first);
      depth++;
      continue;
    }
    putByte(125);
    while (n !== r && n.next == 0) {
      n = changetype<Node>(n.parent);
      depth--;
      putLit("]}");
    }
    if (n === r) return;
    putByte(44);
    n = changetype<Node>(n.next);
  }
}

// Emissions. Each has a datagram buffer, kept for reuse, and a list of document roots to send.
@unmanaged class Emission {
  buf: usize;
  work: usize;
  workLen: i32;
  workCap: i32;
  busy: i32;
}
/** One datagram and room for the sink-free slack of the last write. */
const BUFFER_BYTES: i32 = MAX_DATAGRAM_BYTES + 64;
const emissions: usize = memory.data(MAX_EMISSIONS << 2, 16);

function emissionAt(id: i32): Emission | null {
  if (id < 0 || id >= MAX_EMISSIONS) return null;
  const p = <usize>load<u32>(emissions + (<usize>id << 2));
  if (p == 0 || changetype<Emission>(p).busy == 0) return null;
  return changetype<Emission>(p);
}

/** A free emission's id, or -1 when MAX_EMISSIONS are being drained. */
export function openEmission(): i32 {
  for (let i = 0; i < MAX_EMISSIONS; i++) {
    let p = <usize>load<u32>(emissions + (<usize>i << 2));
    if (p == 0) {
      p = heap.alloc(offsetof<Emission>());
      const e = changetype<Emission>(p);
      e.buf = heap.alloc(<usize>BUFFER_BYTES);
      e.workCap = 8;
      e.work = heap.alloc(<usize>e.workCap << 2);
      e.workLen = 0;
      e.busy = 0;
      store<u32>(emissions + (<usize>i << 2), <u32>p);
    }
    const e = changetype<Emission>(p);
    if (e.busy == 0) {
      e.busy = 1;
      e.workLen = 0;
      return i;
    }
  }
  return -1;
}

/** Queues `n` (a detached document root) for emission `id`. */
export function queue(id: i32, n: Node): void {
  const e = changetype<Emission>(<usize>load<u32>(emissions + (<usize>id << 2)));
  if (e.workLen == e.workCap) {
    e.workCap <<= 1;
    e.work = heap.realloc(e.work, <usize>e.workCap << 2);
  }
  store<u32>(e.work + (<usize>e.workLen << 2), <u32>changetype<usize>(n));
  e.workLen++;
  n.flags |= F_QUEUED;
}

/** The child of `n` to send on its own: the largest, or among many the last (see LARGEST_SEARCH_MAX). */
function childToCut(n: Node, count: i32): Node {
  if (count > LARGEST_SEARCH_MAX) return changetype<Node>(n.last);
  let best = n.first, size = -1;
  for (let c = n.first; c != 0; c = changetype<Node>(c).next) {
    if (changetype<Node>(c).encodedSize > size) { best = c; size = changetype<Node>(c).encodedSize; }
  }
  return changetype<Node>(best);
}

/** Sizes `n` once its children are sized, sending children on their own while it is too large. */
function fitNode(n: Node, r: Node, e: i32): void {
  let sum = 0, count = 0;
  for (let c = n.first; c != 0; c = changetype<Node>(c).next) { sum += changetype<Node>(c).encodedSize; count++; }
  let size = n.ownSize + 1 + (count > 0 ? SUBSEGMENTS_BYTES + sum + count - 1 : 0);
  while (size > SPLIT_LIMIT && count > 0) {
    const c = childToCut(n, count);
    unlinkChild(n, c);
    makeIndependent(c, traceIdOf(r), n.id);
    queue(e, c);
    count--;
    sum -= c.encodedSize;
    size = n.ownSize + 1 + (count > 0 ? SUBSEGMENTS_BYTES + sum + count - 1 : 0);
  }
  n.encodedSize = size;
}

/**
 * The size pass over `r`'s document, children before parents (counting mode: nothing written):
 * each node's own fields are measured, then fitNode sizes it and splits what passes the limit.
 */
function splitToFit(r: Node, e: i32): void {
  cutByDepth(r, e);
  startCounting();
  let n = r;
  while (true) {
    const mark = outLength();
    encodeOwn(n, n === r);
    n.ownSize = outLength() - mark;
    if (n.first != 0) { n = changetype<Node>(n.first); continue; }
    while (true) {
      fitNode(n, r, e);
      if (n === r) return;
      if (n.next != 0) break;
      n = changetype<Node>(n.parent);
    }
    n = changetype<Node>(n.next);
  }
}

/**
 * The children of every node MAX_DOCUMENT_DEPTH levels below `r` go out as documents of their
 * own (measured from themselves when their turn comes): a pre-order walk that does not descend
 * into what it cut.
 */
function cutByDepth(r: Node, e: i32): void {
  let n = r;
  let depth = 0;
  while (true) {
    if (n.first != 0) {
      if (depth < MAX_DOCUMENT_DEPTH) {
        n = changetype<Node>(n.first);
        depth++;
        continue;
      }
      while (n.first != 0) {
        const c = changetype<Node>(n.first);
        unlinkChild(n, c);
        makeIndependent(c, traceIdOf(r), n.id);
        queue(e, c);
      }
    }
    while (n !== r && n.next == 0) {
      n = changetype<Node>(n.parent);
      depth--;
    }
    if (n === r) return;
    n = changetype<Node>(n.next);
  }
}

/**
 * Frees a sent node and its closed descendants. An open descendant lives on as a document of its
 * own (its parent's ID as `parent_id`): when it closes it is sent, and X-Ray merges it by ID with
 * the in-progress copy just sent.
 */
export function release(n: Node, trace: usize): void {
  let c = n.first;
  while (c != 0) {
    const node = changetype<Node>(c);
    if (node.flags & F_CLOSED) {
      c = nextInTree(node, n);
      continue;
    }
    // An open node leaves with its whole subtree: the walk goes on after it.
    c = afterSubtree(node, n);
    const parent = changetype<Node>(node.parent);
    unlinkChild(parent, node);
    makeIndependent(node, trace, parent.id);
  }
  freeTree(n);
}

/** The node after `n`'s subtree in a pre-order walk of `top`'s (0 at the end). */
function afterSubtree(n: Node, top: Node): usize {
  let c = n;
  while (c !== top) {
    if (c.next != 0) return c.next;
    c = changetype<Node>(c.parent);
  }
  return 0;
}

function writeDocument(e: Emission, r: Node): void {
  useBuffer(e.buf, BUFFER_BYTES, MAX_DATAGRAM_BYTES);
  putLit(DAEMON_HEADER);
  encodeTree(r);
}

/**
 * The next datagram of emission `id`: returns its length, its address in R_EMIT_PTR and the
 * entities it carries in R_EMIT_CLOSED and R_EMIT_OPEN. 0: the emission is done and free again.
 * The bytes stay valid until the next emitNext on this emission.
 */
export function emitNext(id: i32): i32 {
  const e = emissionAt(id);
  if (e == null) return 0;
  while (e.workLen > 0) {
    e.workLen--;
    const r = changetype<Node>(<usize>load<u32>(e.work + (<usize>e.workLen << 2)));
    r.flags &= ~F_QUEUED;
    writeDocument(e, r);
    if (overflowed) {
      // Children cut here are queued after r was taken off: they go out after it.
      splitToFit(r, id);
      writeDocument(e, r);
    }
    const length = outLength();
    const sent = !overflowed;
    const trace = traceIdOf(r);
    const closed = (r.flags & F_CLOSED) != 0;
    if (closed) release(r, trace);
    useScratch();
    store<i32>(result + (<usize>R_EMIT_PTR << 2), <i32>e.buf);
    // Closed entities under an open root stay in its tree, and are counted when they go again.
    store<i32>(result + (<usize>R_EMIT_CLOSED << 2), closed ? closedInDocument : 0);
    store<i32>(result + (<usize>R_EMIT_OPEN << 2), openInDocument);
    // Cannot happen (a node alone fits: NODE_BUDGET), but a cut document is never handed out:
    // -1 tells the host that the entities counted were lost.
    return sent ? length : -1;
  }
  e.busy = 0;
  return 0;
}


