// Segment operations exported to the host. Every function takes a (slot, generation) handle and
// answers E_STALE for one that no longer names a live node: never a trap.
import { input, result, RESULT_ID, OK, E_STALE, E_INVALID, E_BUDGET, E_LIMIT, E_CLOSED } from "./abi";
import { Node, allocNode, lookup, generationOf, appendChild, unlinkChild, makeIndependent, traceIdOf,
  F_CLOSED, F_FACADE, F_HAS_PARENT, F_NS_MASK, F_USER } from "./store";
import { K_ANNOTATION, K_METADATA, K_MEMBER, K_EXCEPTION, upsertRecord, hasRecord } from "./records";
import { emitDocument, release, M_LAST } from "./encode";
import { putName, putString, putAnnotationKey, isJsonNumber } from "./json";
import { outReset, outLength, truncate, outPtr, putLit, putByte, putBytes, reserve, commit, listLen } from "./out";
import { newId, writeTraceId, TRACE_ID_LENGTH, SEGMENT_ID_LENGTH } from "./ids";
import { hexValue, parseHex64 } from "./hex";
import { MAX_NAME_CHARS, MAX_ANNOTATIONS, MAX_ANNOTATION_KEY_CHARS, MAX_ANNOTATION_VALUE_CHARS } from "./limits";

/** segBegin input layout: trace ID at 0, parent ID at 35, name at NAME_AT. */
const PARENT_AT: usize = 35;
const NAME_AT: usize = 64;
/** segBegin flag: input holds a trace ID to join (else one is generated). */
const B_TRACE_GIVEN: i32 = 1 << 12;
/** Name bytes read at most (200 characters are at most 800 bytes; the rest is cut). */
const NAME_INPUT_CAP: i32 = 4096;
/** Bytes an annotation's key and value may take in the input (500 + 1000 characters, UTF-8). */
const ANNOTATION_INPUT_CAP: i32 = 8192;
/** Raw JSON arguments (metadata values, members, exceptions) read at most. */
const RAW_INPUT_CAP: i32 = 120000;

function validTrace(p: usize): bool {
  if (load<u8>(p) != 49 || load<u8>(p + 1) != 45 || load<u8>(p + 10) != 45) return false;
  for (let i = 2; i < TRACE_ID_LENGTH; i++) if (i != 10 && hexValue(load<u8>(p + <usize>i)) < 0) return false;
  return true;
}

function validParent(p: usize): bool {
  for (let i = 0; i < SEGMENT_ID_LENGTH; i++) if (hexValue(load<u8>(p + <usize>i)) < 0) return false;
  return parseHex64(p) != 0;
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
 * Begins a segment (parentSlot < 0) or a subsegment of the handle's node. Returns the slot and
 * writes the generation to result slot 0; E_STALE for a stale parent.
 */
export function segBegin(parentSlot: i32, parentGen: i32, nameLen: i32, now: f64, flags: i32): i32 {
  let parent: Node | null = null;
  if (parentSlot >= 0) {
    parent = lookup(parentSlot, parentGen);
    if (parent == null) return E_STALE;
  }
  const n = allocNode();
  n.start = now;
  n.flags = flags & F_NS_MASK;
  if (parent != null) {
    n.id = newId();
    appendChild(parent, n);
  } else {
    const trace = traceIdOf(n);
    if ((flags & B_TRACE_GIVEN) != 0 && validTrace(input)) {
      // `| 32` lower-cases hex letters and leaves digits and `-` as they are.
      for (let i = 0; i < TRACE_ID_LENGTH; i++) store<u8>(trace + <usize>i, load<u8>(input + <usize>i) | 32);
    } else writeTraceId(trace, now);
    if ((flags & F_HAS_PARENT) != 0 && validParent(input + PARENT_AT)) {
      n.flags |= F_HAS_PARENT;
      n.parentId = parseHex64(input + PARENT_AT);
    }
    // A facade stands for the segment Lambda records itself: its ID is the header's Parent.
    if ((flags & F_FACADE) != 0 && (n.flags & F_HAS_PARENT) != 0) {
      n.flags |= F_FACADE;
      n.id = n.parentId;
    } else n.id = newId();
  }
  const mark = outLength();
  putName(input + NAME_AT, nameLen < 0 ? 0 : min(nameLen, NAME_INPUT_CAP), MAX_NAME_CHARS);
  n.nameLen = outLength() - mark;
  n.dataCap = n.nameLen + 64;
  n.data = heap.alloc(<usize>n.dataCap);
  memory.copy(n.data, outPtr + <usize>mark, <usize>n.nameLen);
  n.dataLen = n.nameLen;
  truncate(mark);
  // The handle's generation and the node's ID (high, low) go back at once, so the host never
  // needs the core to read an ID, even after the node is gone; a generated trace ID as ASCII.
  store<i32>(result, <i32>generationOf(n));
  store<u32>(result, <u32>(n.id >> 32), 4);
  store<u32>(result, <u32>n.id, 8);
  if (parent == null && (flags & B_TRACE_GIVEN) == 0) memory.copy(RESULT_ID, traceIdOf(n), <usize>TRACE_ID_LENGTH);
  return n.slot;
}

/**
 * Closes the node. Returns how many datagrams wait in the output (datagramList), or a negative
 * status. A segment is sent with its subtree; a child of a facade is sent on its own.
 */
export function segEnd(slot: i32, gen: i32, now: f64): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (n.flags & F_CLOSED) return E_CLOSED;
  n.end = now < n.start ? n.start : now;
  n.flags |= F_CLOSED;
  outReset();
  if (n.parent == 0) {
    if ((n.flags & F_FACADE) == 0) emitDocument(n);
    release(n, traceIdOf(n));
  } else {
    const parent = changetype<Node>(n.parent);
    if (parent.flags & F_FACADE) {
      unlinkChild(parent, n);
      makeIndependent(n, traceIdOf(parent), parent.id);
      emitDocument(n);
      release(n, traceIdOf(n));
    }
  }
  return listLen;
}

/**
 * Adds an annotation: key at input[0, keyLen), value at input[keyLen, keyLen + valueLen).
 * type 0: string, 1: number (JSON number text), 2: boolean (valueLen 1 true, 0 false).
 * Returns how many key characters were replaced by `_` (≥ 0), or a negative status.
 */
export function segAnnotate(slot: i32, gen: i32, keyLen: i32, valueLen: i32, type: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (keyLen <= 0 || valueLen < 0 || keyLen + valueLen > ANNOTATION_INPUT_CAP) return E_INVALID;
  const value = input + <usize>keyLen;
  if (type == 1 && !isJsonNumber(value, valueLen)) return E_INVALID;
  const mark = beginPrefix();
  const replaced = putAnnotationKey(input, keyLen, MAX_ANNOTATION_KEY_CHARS);
  const keyBytes = endPrefix(mark);
  if (type == 0) putString(value, valueLen, MAX_ANNOTATION_VALUE_CHARS);
  else if (type == 1) putBytes(value, valueLen);
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
 * Adds metadata: namespace at input[0, nsLen) (empty: "default"), then the key, then the value as
 * JSON. The value is trusted to be JSON: the host makes it with JSON.stringify. The last value
 * for a namespace and key wins.
 */
export function segMetadata(slot: i32, gen: i32, nsLen: i32, keyLen: i32, valueLen: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (nsLen < 0 || keyLen < 0 || valueLen <= 0 || nsLen + keyLen + valueLen > RAW_INPUT_CAP) return E_INVALID;
  const mark = beginPrefix();
  if (nsLen == 0) putLit('"default"');
  else putString(input, nsLen, 0);
  const nsBytes = endPrefix(mark);
  const keyMark = beginPrefix();
  putString(input + <usize>nsLen, keyLen, 0);
  const keyBytes = endPrefix(keyMark);
  if (nsBytes > 0xffff || keyBytes > 0xffff) { truncate(mark); return E_BUDGET; }
  putBytes(input + <usize>(nsLen + keyLen), valueLen);
  return keep(n, K_METADATA, mark, 4 + nsBytes + keyBytes) < 0 ? E_BUDGET : OK;
}

/** Sets member `member` (http, aws, sql, ...; see encode.ts) to the JSON at input[0, len). */
export function segMember(slot: i32, gen: i32, member: i32, len: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (member < 1 || member > <i32>M_LAST || len <= 0 || len > RAW_INPUT_CAP) return E_INVALID;
  const mark = outLength();
  putByte(member);
  putBytes(input, len);
  return keep(n, K_MEMBER, mark, 1) < 0 ? E_BUDGET : OK;
}

/** Appends an exception object (JSON at input[0, len)) to the node's cause. */
export function segException(slot: i32, gen: i32, len: i32): i32 {
  const n = lookup(slot, gen);
  if (n == null) return E_STALE;
  if (len <= 0 || len > RAW_INPUT_CAP) return E_INVALID;
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
