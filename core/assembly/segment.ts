// Segment operations exported to the host. Every function takes a (slot, generation) handle and
// answers E_STALE for one that no longer names a live node: never a trap.
import { input, result, RESULT_ID } from "./abi";
import { parseHeader, checkRoot, checkParent, R_ROOT_BYTE, R_PARENT_BYTE, R_SAMPLED_BYTE } from "./header";
import { Node, allocNode, lookup, generationOf, appendChild, unlinkChild, makeIndependent, traceIdOf, freeTree, rootOf,
  nodeWeight, F_USER } from "./store";
import { K_ANNOTATION, K_METADATA, K_MEMBER, K_EXCEPTION, K_WORKDIR, upsertRecord, hasRecord } from "./records";
import { release, openEmission, queue } from "./encode";
import { putName, putString, putAnnotationKey, isJsonNumber } from "./json";
import { outLength, truncate, outPtr, putLit, putByte, putBytes, reserve, commit, useScratch } from "./out";
import { newId, writeTraceId } from "./ids";
import { parseHex64 } from "./hex";
import { INPUT_CAP, R_BEGIN_GEN, R_BEGIN_ID, R_FREED, OK, E_STALE, E_INVALID, E_BUDGET, E_LIMIT, E_CLOSED, E_NO_TRACE,
  E_DECIDE, E_CAP, E_REENTRY, E_BUSY, F_CLOSED, F_FACADE, F_STREAM, F_HAS_PARENT, F_QUEUED, F_NS_MASK, B_TRACE_GIVEN,
  BEGIN_PARENT_AT, BEGIN_NAME_AT, NAME_INPUT_CAP, MAX_NAME_CHARS, MAX_ANNOTATIONS, MAX_ANNOTATION_KEY_CHARS,
  MAX_ANNOTATION_VALUE_CHARS, MAX_PATH_CHARS, TRACE_ID_LENGTH, SEGMENT_ID_LENGTH, TRACE_BUDGET, M_LAST, A_STRING,
  A_NUMBER } from "./shared";

/** Bytes an annotation's key and value may take in the input (500 + 1000 characters, UTF-8). */
const ANNOTATION_INPUT_CAP: i32 = 8192;
/** Raw JSON arguments (metadata values, members, exceptions) read at most. */
const RAW_INPUT_CAP: i32 = 120000;

/** A name past the inline area (over ~200 bytes of UTF-8) gets a heap block of its own. */
function ensureName(n: Node, len: i32): void {
  if (len <= n.dataCap) return;
  n.dataCap = len + 64;
  n.data = heap.alloc(<usize>n.dataCap);
}

/**
 * lo ≤ n ≤ hi. Lengths are checked one by one against what is left, never summed first: a sum of
 * two huge ones wraps around an i32 bound (the fuzz test found that).
 */
@inline function within(n: i32, lo: i32, hi: i32): bool {
  return n >= lo && n <= hi;
}

/** A `[length u16]` placeholder in the output, patched by endPrefix. */
function beginPrefix(): i32 {
  const at = outLength();
  reserve(2);
  commit(2);
  return at;
}

function endPrefix(at: i32): i32 {
  const len = outLength() - at - 2;
  store<u16>(outPtr + <usize>at, <u16>len);
  return len;
}

/** Moves the bytes written since `mark` into a record of `n`; -1 when over budget. */
function keep(n: Node, kind: u8, mark: i32, keyLen: i32): i32 {
  const r = upsertRecord(n, kind, outPtr + <usize>mark, outLength() - mark, keyLen);
  truncate(mark);
  return r;
}

/**
 * Begins a segment (parentSlot < 0) or a subsegment of the handle's node. Input: trace ID at 0
 * (with B_TRACE_GIVEN), parent ID at 35 (with F_HAS_PARENT), the name at 64. Returns the slot
 * (generation and ID in the R_BEGIN slots), or E_STALE for a stale parent.
 */
export function segBegin(parentSlot: i32, parentGen: i32, nameLen: i32, now: f64, flags: i32): i32 {
  let parent: Node | null = null;
  if (parentSlot >= 0) {
    parent = lookup(parentSlot, parentGen);
    if (parent == null) return E_STALE;
  }
  const trace = (flags & B_TRACE_GIVEN) != 0 && checkRoot(0, TRACE_ID_LENGTH) >= 0 ? input : 0;
  const parentId = (flags & F_HAS_PARENT) != 0 && checkParent(BEGIN_PARENT_AT, SEGMENT_ID_LENGTH) >= 0 ? input + <usize>BEGIN_PARENT_AT : 0;
  return beginNode(parent, input + <usize>BEGIN_NAME_AT, nameLen, now, flags, trace, parentId);
}

/**
 * Begins a segment from a trace header in one call: the header at input[0, headerLen), the name at
 * input[nameAt, nameAt + nameLen). Only for a header that decides (Sampled=1): E_NO_TRACE when
 * it has no valid Root, E_DECIDE when it is not Sampled=1, or is for a facade (F_FACADE) and has no
 * Parent (the host decides, then calls segBegin). The header's fields are left in the result slots
 * either way, as parseHeader leaves them.
 */
export function segBeginHeader(headerLen: i32, nameAt: i32, nameLen: i32, now: f64, flags: i32): i32 {
  if (parseHeader(headerLen) == 0) return E_NO_TRACE;
  if (load<i32>(result, R_SAMPLED_BYTE) != 1) return E_DECIDE;
  const rootAt = load<i32>(result, R_ROOT_BYTE);
  const parentAt = load<i32>(result, R_PARENT_BYTE);
  // A facade stands for a segment Lambda records: without a Parent there is none to stand for.
  if ((flags & F_FACADE) != 0 && parentAt < 0) return E_DECIDE;
  if (nameAt < 0 || nameAt > INPUT_CAP - NAME_INPUT_CAP) return E_INVALID;
  return beginNode(null, input + <usize>nameAt, nameLen, now, flags, input + <usize>rootAt, parentAt >= 0 ? input + <usize>parentAt : 0);
}

/**
 * `trace`: 35 valid bytes to join, or 0 to generate; `parentId`: 16 valid hex digits, or 0.
 * E_CAP when the core holds its cap of live nodes.
 */
function beginNode(parent: Node | null, name: usize, nameLen: i32, now: f64, flags: i32, trace: usize, parentId: usize): i32 {
  const created = allocNode();
  if (created == null) return E_CAP;
  const n = created;
  n.start = now;
  n.flags = flags & F_NS_MASK;
  useScratch();
  const mark = outLength();
  putName(name, nameLen < 0 ? 0 : min(nameLen, NAME_INPUT_CAP), MAX_NAME_CHARS);
  const nameBytes = outLength() - mark;
  ensureName(n, nameBytes);
  memory.copy(n.data, outPtr + <usize>mark, <usize>nameBytes);
  n.nameLen = nameBytes;
  n.dataLen = nameBytes;
  truncate(mark);
  if (parent != null) {
    n.id = newId();
    appendChild(parent, n);
  } else {
    const own = traceIdOf(n);
    // `| 32` lower-cases hex letters and leaves digits and `-` as they are.
    if (trace != 0) for (let i = 0; i < TRACE_ID_LENGTH; i++) store<u8>(own + <usize>i, load<u8>(trace + <usize>i) | 32);
    else writeTraceId(own, now);
    if (parentId != 0) {
      n.flags |= F_HAS_PARENT;
      n.parentId = parseHex64(parentId);
    }
    // A facade stands for the segment Lambda records itself: its ID is the header's Parent.
    if ((flags & F_FACADE) != 0 && parentId != 0) {
      n.flags |= F_FACADE | (flags & F_STREAM);
      n.id = n.parentId;
    } else n.id = newId();
  }
  // The generation and the ID (high, low) go back at once, so the host never needs the core to
  // read an ID, even after the node is gone; a generated trace ID as ASCII.
  store<i32>(result + (<usize>R_BEGIN_GEN << 2), <i32>generationOf(n));
  store<u32>(result + (<usize>R_BEGIN_ID << 2), <u32>(n.id >> 32));
  store<u32>(result + (<usize>R_BEGIN_ID << 2), <u32>n.id, 4);
  if (parent == null && trace == 0) memory.copy(RESULT_ID, traceIdOf(n), <usize>TRACE_ID_LENGTH);
  return n.slot;
}

/** Starts an emission holding `n`; when none is free, frees `n` instead (E_REENTRY, R_FREED). */
function emit(n: Node): i32 {
  const e = openEmission();
  if (e < 0) {
    store<i32>(result + (<usize>R_FREED << 2), freeTree(n));
    return E_REENTRY;
  }
  queue(e, n);
  return e + 1;
}

/**
 * Closes the node. Returns 0 when nothing is to be sent yet, k > 0 when emission k − 1 holds
 * documents for the host to take with emitNext, or a negative status. A segment is sent with its
 * subtree; a child of a facade on its own, and any subsegment of a streaming facade's trace
 * (F_STREAM); a child of a trace holding more than TRACE_BUDGET
 * bytes leaves early, on its own, so that a trace of any size needs bounded memory.
 */
export function segEnd(slot: i32, gen: i32, now: f64): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (n.flags & F_CLOSED) return E_CLOSED;
  n.end = now < n.start ? n.start : now;
  n.flags |= F_CLOSED;
  // Waiting in an emission already (a re-entrant close): it goes out closed from there.
  if (n.flags & F_QUEUED) return OK;
  if (n.parent == 0) {
    if ((n.flags & F_FACADE) == 0) return emit(n);
    release(n, traceIdOf(n));
    return OK;
  }
  const parent = changetype<Node>(n.parent);
  rootOf(n).held += nodeWeight(n);
  if ((parent.flags & F_FACADE) != 0 || (rootOf(n).flags & F_STREAM) != 0 || rootOf(n).held > TRACE_BUDGET) {
    unlinkChild(parent, n);
    makeIndependent(n, traceIdOf(rootOf(parent)), parent.id);
    return emit(n);
  }
  return OK;
}

/**
 * Sends an open node now, in progress, with its subtree as it stands (closed descendants closed,
 * open ones in progress), and frees nothing: for a host that may be stopped before the node
 * closes (a Lambda deadline), whose closed children would otherwise wait inside it and die with
 * the process. A child first leaves its parent as a document of its own (as a closing child of a
 * facade does), so its own close later sends it again, closed; X-Ray merges the copies by ID.
 * Returns k > 0 (emission k − 1, drained as segEnd's), or E_STALE, E_CLOSED, E_BUSY (waiting in
 * an emission), E_INVALID (a facade, never sent) or E_REENTRY (no emission free: nothing sent).
 */
export function segSendOpen(slot: i32, gen: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (n.flags & F_CLOSED) return E_CLOSED;
  if (n.flags & F_QUEUED) return E_BUSY;
  if (n.flags & F_FACADE) return E_INVALID;
  const e = openEmission();
  if (e < 0) return E_REENTRY;
  if (n.parent != 0) {
    const parent = changetype<Node>(n.parent);
    unlinkChild(parent, n);
    makeIndependent(n, traceIdOf(rootOf(parent)), parent.id);
  }
  queue(e, n);
  return e + 1;
}

/**
 * Frees an entity whose host handle was garbage-collected unclosed, with its subtree (whose
 * handles were collected too). Returns how many nodes were freed (also in R_FREED), E_CLOSED for
 * a closed one (it waits for its parent's document, as it should), E_BUSY for one waiting in an
 * emission, or E_STALE.
 */
export function segAbandon(slot: i32, gen: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (n.flags & F_CLOSED) return E_CLOSED;
  if (n.flags & F_QUEUED) return E_BUSY;
  const freed = freeTree(n);
  store<i32>(result + (<usize>R_FREED << 2), freed);
  return freed;
}

/**
 * Adds an annotation: key at input[0, keyLen), value at input[keyLen, keyLen + valueLen).
 * type 0: string, 1: number (JSON number text), 2: boolean (valueLen 1 true, 0 false).
 * Returns how many key characters were replaced by `_` (≥ 0), or a negative status.
 */
export function segAnnotate(slot: i32, gen: i32, keyLen: i32, valueLen: i32, type: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (!within(keyLen, 1, ANNOTATION_INPUT_CAP) || !within(valueLen, 0, ANNOTATION_INPUT_CAP - keyLen)) return E_INVALID;
  const value = input + <usize>keyLen;
  if (type == A_NUMBER && !isJsonNumber(value, valueLen)) return E_INVALID;
  useScratch();
  const mark = beginPrefix();
  const replaced = putAnnotationKey(input, keyLen, MAX_ANNOTATION_KEY_CHARS);
  const keyBytes = endPrefix(mark);
  if (type == A_STRING) putString(value, valueLen, MAX_ANNOTATION_VALUE_CHARS);
  else if (type == A_NUMBER) putBytes(value, valueLen);
  else putLit(valueLen == 1 ? "true" : "false");
  const keyLenInRecord = 2 + keyBytes;
  // The 51st distinct key is refused; replacing an existing key is always allowed.
  if (n.annotations >= MAX_ANNOTATIONS && !hasRecord(n, K_ANNOTATION, outPtr + <usize>mark, keyLenInRecord)) {
    truncate(mark);
    return E_LIMIT;
  }
  const r = keep(n, K_ANNOTATION, mark, keyLenInRecord);
  if (r < 0) return E_BUDGET;
  n.annotations += 1 - r;
  return replaced;
}

/**
 * Adds metadata: the value as JSON at input[0, valueLen), then the namespace (nsLen 0: "default"),
 * then the key. The value is trusted to be JSON: the host makes it with JSON.stringify. The last
 * value for a namespace and key wins.
 */
export function segMetadata(slot: i32, gen: i32, valueLen: i32, nsLen: i32, keyLen: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (!within(valueLen, 1, RAW_INPUT_CAP) || !within(nsLen, 0, RAW_INPUT_CAP - valueLen) ||
    !within(keyLen, 0, RAW_INPUT_CAP - valueLen - nsLen)) return E_INVALID;
  const ns = input + <usize>valueLen;
  useScratch();
  const mark = beginPrefix();
  if (nsLen == 0) putLit('"default"');
  else putString(ns, nsLen, 0);
  const nsBytes = endPrefix(mark);
  const keyMark = beginPrefix();
  putString(ns + <usize>nsLen, keyLen, 0);
  const keyBytes = endPrefix(keyMark);
  if (nsBytes > 0xffff || keyBytes > 0xffff) { truncate(mark); return E_BUDGET; }
  putBytes(input, valueLen);
  return keep(n, K_METADATA, mark, 4 + nsBytes + keyBytes) < 0 ? E_BUDGET : OK;
}

/** Sets member `member` (http, aws, sql, ...; see encode.ts) to the JSON at input[0, len). */
export function segMember(slot: i32, gen: i32, member: i32, len: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (member < 1 || member > M_LAST || len <= 0 || len > RAW_INPUT_CAP) return E_INVALID;
  useScratch();
  const mark = outLength();
  putByte(member);
  putBytes(input, len);
  return keep(n, K_MEMBER, mark, 1) < 0 ? E_BUDGET : OK;
}

/**
 * Appends an exception object (JSON at input[0, len)) to the node's cause. The working directory
 * (raw UTF-8 at input[len, len + wdLen), wdLen 0: none) is kept once per node, the first error's,
 * escaped and cut to MAX_PATH_CHARS characters, so it stays valid JSON whatever its length.
 */
export function segException(slot: i32, gen: i32, len: i32, wdLen: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (len <= 0 || len > RAW_INPUT_CAP || wdLen < 0 || wdLen > INPUT_CAP - len) return E_INVALID;
  useScratch();
  if (wdLen > 0 && !hasRecord(n, K_WORKDIR, 0, 0)) {
    const mark = outLength();
    putString(input + <usize>len, wdLen, MAX_PATH_CHARS);
    if (keep(n, K_WORKDIR, mark, 0) < 0) return E_BUDGET;
  }
  const mark = outLength();
  putBytes(input, len);
  return keep(n, K_EXCEPTION, mark, 0) < 0 ? E_BUDGET : OK;
}

/** Sets fault, error and throttle bits (F_USER); others are ignored. */
export function segFlags(slot: i32, gen: i32, bits: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  n.flags |= bits & F_USER;
  return OK;
}
