// Documents: a node and its subtree as X-Ray segment JSON, framed for the daemon.
import { Node, traceIdOf, F_CLOSED, F_FAULT, F_ERROR, F_THROTTLE, F_INDEPENDENT, F_HAS_PARENT,
  F_NS_MASK, F_NS_SHIFT, unlinkChild, makeIndependent, freeNode } from "./store";
import { K_ANNOTATION, K_METADATA, K_MEMBER, K_EXCEPTION, K_SEEN, HEADER, recordKind, recordLength,
  recordsStart, recordsEnd, prefixLength } from "./records";
import { putByte, putBytes, putLit, putTime, reserve, commit, outLength, truncate, listPush } from "./out";
import { hex64 } from "./hex";
import { MAX_DATAGRAM_BYTES } from "./limits";

/** What the daemon requires before every document, spaces included. */
const DAEMON_HEADER = '{"format": "json", "version": 1}\n';

// The process's working directory for `cause.working_directory`, as a JSON string (host-set).
let workingDir: usize = 0;
let workingDirLen: i32 = 0;

export function setWorkingDir(src: usize, len: i32): void {
  if (workingDir != 0) heap.free(workingDir);
  workingDir = len > 0 ? heap.alloc(<usize>len) : 0;
  workingDirLen = len > 0 ? len : 0;
  if (len > 0) memory.copy(workingDir, src, <usize>len);
}

// Members set with segMember, by number (mirrored in core/abi.ts).
export const M_HTTP: u8 = 1;
export const M_AWS: u8 = 2;
export const M_SQL: u8 = 3;
export const M_SERVICE: u8 = 4;
export const M_USER: u8 = 5;
export const M_ORIGIN: u8 = 6;
export const M_PRECURSORS: u8 = 7;
export const M_TRACED: u8 = 8;
export const M_LAST: u8 = 8;

function memberKey(m: u8): string {
  switch (m) {
    case M_HTTP: return ',"http":';
    case M_AWS: return ',"aws":';
    case M_SQL: return ',"sql":';
    case M_SERVICE: return ',"service":';
    case M_USER: return ',"user":';
    case M_ORIGIN: return ',"origin":';
    case M_PRECURSORS: return ',"precursor_ids":';
    default: return ',"traced":';
  }
}

function putId(key: string, id: u64): void {
  putLit(key);
  hex64(reserve(16), id);
  commit(16);
  putByte(34);
}

function putAnnotations(n: Node): void {
  putLit(',"annotations":{');
  let first = true;
  for (let p = recordsStart(n), end = recordsEnd(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    if (recordKind(p) != K_ANNOTATION) continue;
    if (!first) putByte(44);
    first = false;
    const q = p + HEADER;
    const kl = prefixLength(q);
    putBytes(q + 2, kl);
    putByte(58);
    putBytes(q + 2 + <usize>kl, recordLength(p) - 2 - kl);
  }
  putByte(125);
}

/** `"metadata":{ns:{key:value}}`, grouping records by namespace in first-seen order. */
function putMetadata(n: Node): void {
  let opened = false;
  const end = recordsEnd(n);
  for (let p = recordsStart(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    if (recordKind(p) != K_METADATA) continue;
    putLit(opened ? "," : ',"metadata":{');
    opened = true;
    const ns = p + HEADER;
    const nl = prefixLength(ns);
    putBytes(ns + 2, nl);
    putLit(":{");
    let firstKey = true;
    for (let q = p; q < end; q += <usize>(HEADER + recordLength(q))) {
      if (recordKind(q) != K_METADATA || prefixLength(q + HEADER) != nl ||
        memory.compare(q + HEADER + 2, ns + 2, <usize>nl) != 0) continue;
      store<u8>(q, K_METADATA | K_SEEN);
      if (!firstKey) putByte(44);
      firstKey = false;
      const k = q + HEADER + 2 + <usize>nl;
      const kl = prefixLength(k);
      putBytes(k + 2, kl);
      putByte(58);
      putBytes(k + 2 + <usize>kl, recordLength(q) - 4 - nl - kl);
    }
    putByte(125);
  }
  if (opened) putByte(125);
  for (let p = recordsStart(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    if (recordKind(p) == (K_METADATA | K_SEEN)) store<u8>(p, K_METADATA);
  }
}

function putCause(n: Node): void {
  let opened = false;
  for (let p = recordsStart(n), end = recordsEnd(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    if (recordKind(p) != K_EXCEPTION) continue;
    if (!opened) {
      putLit(',"cause":{');
      if (workingDirLen > 0) {
        putLit('"working_directory":');
        putBytes(workingDir, workingDirLen);
        putByte(44);
      }
      putLit('"exceptions":[');
      opened = true;
    } else putByte(44);
    putBytes(p + HEADER, recordLength(p));
  }
  if (opened) putLit("]}");
}

function encodeNode(n: Node, top: bool): void {
  const start = outLength();
  putLit('{"name":');
  putBytes(n.data, n.nameLen);
  putId(',"id":"', n.id);
  if (top) {
    putLit(',"trace_id":"');
    putBytes(traceIdOf(n), 35);
    putByte(34);
    if (n.flags & F_INDEPENDENT) {
      putLit(',"type":"subsegment"');
      putId(',"parent_id":"', n.parentId);
    } else if (n.flags & F_HAS_PARENT) putId(',"parent_id":"', n.parentId);
  }
  putLit(',"start_time":');
  putTime(n.start);
  if (n.flags & F_CLOSED) {
    putLit(',"end_time":');
    putTime(n.end);
  } else putLit(',"in_progress":true');
  const ns = (n.flags & F_NS_MASK) >> F_NS_SHIFT;
  if (ns == 1) putLit(',"namespace":"aws"');
  else if (ns == 2) putLit(',"namespace":"remote"');
  if (n.flags & F_FAULT) putLit(',"fault":true');
  if (n.flags & F_ERROR) putLit(',"error":true');
  if (n.flags & F_THROTTLE) putLit(',"throttle":true');
  let hasMeta = false, hasCause = false;
  for (let p = recordsStart(n), end = recordsEnd(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    const k = recordKind(p);
    if (k == K_MEMBER) {
      putLit(memberKey(load<u8>(p + HEADER)));
      putBytes(p + HEADER + 1, recordLength(p) - 1);
    } else if (k == K_METADATA) hasMeta = true;
    else if (k == K_EXCEPTION) hasCause = true;
  }
  if (n.annotations > 0) putAnnotations(n);
  if (hasMeta) putMetadata(n);
  if (hasCause) putCause(n);
  if (n.first != 0) {
    putLit(',"subsegments":[');
    for (let c = n.first; c != 0; c = changetype<Node>(c).next) {
      if (c != n.first) putByte(44);
      encodeNode(changetype<Node>(c), false);
    }
    putByte(93);
  }
  putByte(125);
  n.encodedSize = outLength() - start;
}

function largestChild(n: Node): Node | null {
  let best: usize = 0, size = -1;
  for (let c = n.first; c != 0; c = changetype<Node>(c).next) {
    if (changetype<Node>(c).encodedSize > size) { best = c; size = changetype<Node>(c).encodedSize; }
  }
  return best == 0 ? null : changetype<Node>(best);
}

/**
 * Writes `n` (a segment, or a subsegment sent on its own) as one or more datagrams. A document over
 * the datagram limit sends its largest subsegments as documents of their own (`type: "subsegment"`,
 * `trace_id`, `parent_id`) until the rest fits; nothing is dropped. A node's own data is bounded
 * by NODE_BUDGET, so a node without children always fits and this ends.
 */
export function emitDocument(n: Node): void {
  const start = outLength();
  putLit(DAEMON_HEADER);
  encodeNode(n, true);
  let size = outLength() - start;
  if (size <= MAX_DATAGRAM_BYTES) {
    listPush(<i32>start, size);
    return;
  }
  truncate(start);
  while (size > MAX_DATAGRAM_BYTES) {
    const c = largestChild(n);
    if (c == null) break;
    size -= c.encodedSize + 1;
    unlinkChild(n, c);
    makeIndependent(c, traceIdOf(n), n.id);
    emitDocument(c);
    if (c.flags & F_CLOSED) release(c, traceIdOf(c));
  }
  emitDocument(n);
}

/**
 * Frees a sent node and its closed descendants. An open descendant lives on as a document of its
 * own (its parent's ID as `parent_id`): when it closes it is sent, and X-Ray merges it by ID with
 * the in-progress copy that was just sent.
 */
export function release(n: Node, trace: usize): void {
  let c = n.first;
  while (c != 0) {
    const child = changetype<Node>(c);
    c = child.next;
    child.next = 0;
    child.parent = 0;
    if (child.flags & F_CLOSED) release(child, trace);
    else makeIndependent(child, trace, n.id);
  }
  n.first = 0;
  n.last = 0;
  freeNode(n);
}
