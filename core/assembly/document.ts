// One node's own JSON: its fields, records and cause, everything but its subsegments and its
// closing brace. encode.ts walks the tree and calls this for each node, writing or measuring.
import { Node, traceIdOf } from "./store";
import { K_ANNOTATION, K_METADATA, K_MEMBER, K_EXCEPTION, K_WORKDIR, K_SEEN, HEADER, recordKind, recordLength,
  recordsStart, recordsEnd, prefixLength } from "./records";
import { putByte, putBytes, putLit, putTime, reserve, commit } from "./out";
import { hex64 } from "./hex";
import { F_CLOSED, F_FAULT, F_ERROR, F_THROTTLE, F_INDEPENDENT, F_HAS_PARENT, F_NS_MASK, F_NS_SHIFT, M_HTTP, M_AWS,
  M_SQL, M_SERVICE, M_USER, M_ORIGIN, M_PRECURSORS } from "./shared";

function memberKey(m: i32): string {
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
  const end = recordsEnd(n);
  for (let p = recordsStart(n); p < end; p += <usize>(HEADER + recordLength(p))) {
    if (recordKind(p) != K_EXCEPTION) continue;
    if (!opened) {
      putLit(',"cause":{');
      for (let w = recordsStart(n); w < end; w += <usize>(HEADER + recordLength(w))) {
        if (recordKind(w) != K_WORKDIR) continue;
        putLit('"working_directory":');
        putBytes(w + HEADER, recordLength(w));
        putByte(44);
        break;
      }
      putLit('"exceptions":[');
      opened = true;
    } else putByte(44);
    putBytes(p + HEADER, recordLength(p));
  }
  if (opened) putLit("]}");
}

/** Everything of `n` but its subsegments and its closing brace; `top`: it heads the document. */
export function encodeOwn(n: Node, top: bool): void {
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
      putLit(memberKey(<i32>load<u8>(p + HEADER)));
      putBytes(p + HEADER + 1, recordLength(p) - 1);
    } else if (k == K_METADATA) hasMeta = true;
    else if (k == K_EXCEPTION) hasCause = true;
  }
  if (n.annotations > 0) putAnnotations(n);
  if (hasMeta) putMetadata(n);
  if (hasCause) putCause(n);
}
