// Centralized sampling (X-Ray's GetSamplingRules and GetSamplingTargets): rules in the order the
// host gives them (priority, then name), each matched on six attributes and the request's
// attributes with `*` and `?`. A rule's reservoir takes the quota the service assigned, per
// second, while its TTL holds; without a quota (none yet, or expired) one request a second is
// borrowed; past either, the rule's fixed rate decides with the core's CSPRNG. Each rule counts
// requests, sampled and borrowed for the next SamplingTargets report. Deterministic: time is
// passed in, randomness comes from the entropy pool.
import { input, result } from "./abi";
import { random32 } from "./entropy";
import { globMatch, lower } from "./glob";
import { INPUT_CAP, CENTRAL_FIELDS, CENTRAL_ATTRS_AT, CENTRAL_PAIRS_AT, MAX_ATTRIBUTES, CENTRAL_BYTES_AT, C_DEFAULT,
  C_BORROW, C_SAMPLED, C_BORROWED, MAX_PATTERN_BYTES, R_STAT_REQUESTS, R_STAT_SAMPLED, R_STAT_BORROWED, OK, E_STALE,
  E_INVALID } from "./shared";

@unmanaged class CentralRule {
  /** CENTRAL_FIELDS × (offset, length: -1 any) into `bytes`, then the attributes' (key, value) pairs. */
  spans: usize;
  attributes: i32;
  bytes: usize;
  flags: i32;
  fixedRate: f64;
  /** -1: no quota from the service yet. */
  quota: i32;
  ttl: f64;
  second: f64;
  taken: i32;
  borrowed: i32;
  requests: i32;
  sampled: i32;
  borrows: i32;
}

@unmanaged class CentralSet {
  rules: usize;
  count: i32;
  cap: i32;
}

let sets: usize = 0;
let setCap: i32 = 0;

function setOf(id: i32): CentralSet | null {
  if (id < 0 || id >= setCap) return null;
  const p = <usize>load<u32>(sets + (<usize>id << 2));
  return p == 0 ? null : changetype<CentralSet>(p);
}

function ruleOf(s: CentralSet, index: i32): CentralRule | null {
  if (index < 0 || index >= s.count) return null;
  return changetype<CentralRule>(<usize>load<u32>(s.rules + (<usize>index << 2)));
}

/** A new, empty rule set (a freed id is reused); its id. */
export function centralCreate(): i32 {
  let id = -1;
  for (let i = 0; i < setCap; i++) if (load<u32>(sets + (<usize>i << 2)) == 0) { id = i; break; }
  if (id < 0) {
    const cap = setCap == 0 ? 4 : setCap << 1;
    sets = sets == 0 ? heap.alloc(<usize>cap << 2) : heap.realloc(sets, <usize>cap << 2);
    memory.fill(sets + (<usize>setCap << 2), 0, <usize>(cap - setCap) << 2);
    id = setCap;
    setCap = cap;
  }
  const s = changetype<CentralSet>(heap.alloc(offsetof<CentralSet>()));
  s.cap = 8;
  s.count = 0;
  s.rules = heap.alloc(<usize>s.cap << 2);
  store<u32>(sets + (<usize>id << 2), <u32>changetype<usize>(s));
  return id;
}

export function centralFree(id: i32): void {
  const s = setOf(id);
  if (s == null) return;
  for (let i = 0; i < s.count; i++) {
    const r = ruleOf(s, i)!;
    heap.free(r.spans);
    heap.free(r.bytes);
    heap.free(changetype<usize>(r));
  }
  heap.free(s.rules);
  heap.free(changetype<usize>(s));
  store<u32>(sets + (<usize>id << 2), 0);
}

/** The input's lengths, checked one by one: their total bytes, or -1 when malformed. */
function inputBytes(patternCap: i32): i32 {
  let total = 0;
  for (let i = 0; i < CENTRAL_FIELDS; i++) {
    const l = load<i32>(input + (<usize>i << 2));
    if (l > patternCap) return -1;
    if (l > 0) total += l;
  }
  const n = load<i32>(input + <usize>CENTRAL_ATTRS_AT);
  if (n < 0 || n > MAX_ATTRIBUTES) return -1;
  for (let i = 0; i < n; i++) {
    const k = load<i32>(input + <usize>CENTRAL_PAIRS_AT + (<usize>i << 3));
    const v = load<i32>(input + <usize>CENTRAL_PAIRS_AT + (<usize>i << 3), 4);
    if (k < 0 || v < 0 || k > patternCap || v > patternCap) return -1;
    total += k + v;
  }
  return total > INPUT_CAP - CENTRAL_BYTES_AT ? -1 : total;
}

/**
 * Adds a rule (patterns in the input, lower-cased here) at the end of the set; its index, or
 * E_INVALID for malformed input, E_STALE for an unknown set.
 */
export function centralAddRule(id: i32, flags: i32, fixedRate: f64): i32 {
  const s = setOf(id);
  if (s == null) return E_STALE;
  const total = inputBytes(MAX_PATTERN_BYTES);
  if (total < 0) return E_INVALID;
  const n = load<i32>(input + <usize>CENTRAL_ATTRS_AT);
  const r = changetype<CentralRule>(heap.alloc(offsetof<CentralRule>()));
  r.spans = heap.alloc(<usize>(CENTRAL_FIELDS + 2 * n) << 3);
  r.bytes = heap.alloc(<usize>max(total, 1));
  r.attributes = n;
  for (let k = 0; k < total; k++) store<u8>(r.bytes + <usize>k, <u8>lower(load<u8>(input + <usize>CENTRAL_BYTES_AT + <usize>k)));
  let at = 0;
  for (let i = 0; i < CENTRAL_FIELDS; i++) {
    const l = load<i32>(input + (<usize>i << 2));
    store<i32>(r.spans + (<usize>i << 3), at);
    store<i32>(r.spans + (<usize>i << 3), l < 0 ? -1 : l, 4);
    if (l > 0) at += l;
  }
  for (let i = 0; i < n * 2; i++) {
    const l = load<i32>(input + <usize>CENTRAL_PAIRS_AT + (<usize>i << 2));
    store<i32>(r.spans + (<usize>(CENTRAL_FIELDS + i) << 3), at);
    store<i32>(r.spans + (<usize>(CENTRAL_FIELDS + i) << 3), l, 4);
    at += l;
  }
  r.flags = flags & (C_DEFAULT | C_BORROW);
  r.fixedRate = fixedRate >= 0 && fixedRate <= 1 ? fixedRate : (fixedRate > 1 ? 1.0 : 0.0);
  r.quota = -1;
  r.ttl = 0;
  r.second = -1;
  r.taken = 0;
  r.borrowed = 0;
  r.requests = 0;
  r.sampled = 0;
  r.borrows = 0;
  if (s.count == s.cap) {
    s.cap <<= 1;
    s.rules = heap.realloc(s.rules, <usize>s.cap << 2);
  }
  store<u32>(s.rules + (<usize>s.count << 2), <u32>changetype<usize>(r));
  return s.count++;
}

/** Applies a SamplingTargets answer to rule `index`: fixed rate, quota (-1: none) and its TTL. */
export function centralSetTarget(id: i32, index: i32, fixedRate: f64, quota: i32, ttl: f64): i32 {
  const s = setOf(id);
  if (s == null) return E_STALE;
  const r = ruleOf(s, index);
  if (r == null) return E_INVALID;
  if (fixedRate >= 0 && fixedRate <= 1) r.fixedRate = fixedRate;
  if (quota >= 0) { r.quota = quota; r.ttl = ttl; }
  return OK;
}

/** Moves rule `from` of set `fromId`'s reservoir and counts to rule `to` of set `toId` (a rules refresh keeps them). */
export function centralCarry(fromId: i32, from: i32, toId: i32, to: i32): i32 {
  const a = setOf(fromId), b = setOf(toId);
  if (a == null || b == null) return E_STALE;
  const x = ruleOf(a, from), y = ruleOf(b, to);
  if (x == null || y == null) return E_INVALID;
  y.quota = x.quota; y.ttl = x.ttl; y.second = x.second; y.taken = x.taken; y.borrowed = x.borrowed;
  y.requests = x.requests; y.sampled = x.sampled; y.borrows = x.borrows;
  return OK;
}

function matches(r: CentralRule): bool {
  if (r.flags & C_DEFAULT) return true;
  let at = 0;
  const text = input + <usize>CENTRAL_BYTES_AT;
  for (let i = 0; i < CENTRAL_FIELDS; i++) {
    const tl = load<i32>(input + (<usize>i << 2));
    const pl = load<i32>(r.spans + (<usize>i << 3), 4);
    if (tl >= 0 && pl >= 0 && !globMatch(r.bytes + <usize>load<i32>(r.spans + (<usize>i << 3)), pl, text + <usize>at, tl)) return false;
    if (tl > 0) at += tl;
  }
  // Every attribute of the rule must be in the request and match (a request without it: no match).
  const n = load<i32>(input + <usize>CENTRAL_ATTRS_AT);
  for (let a = 0; a < r.attributes; a++) {
    const kp = r.bytes + <usize>load<i32>(r.spans + (<usize>(CENTRAL_FIELDS + 2 * a) << 3));
    const kl = load<i32>(r.spans + (<usize>(CENTRAL_FIELDS + 2 * a) << 3), 4);
    const vp = r.bytes + <usize>load<i32>(r.spans + (<usize>(CENTRAL_FIELDS + 2 * a + 1) << 3));
    const vl = load<i32>(r.spans + (<usize>(CENTRAL_FIELDS + 2 * a + 1) << 3), 4);
    let found = false;
    let q = at;
    for (let i = 0; i < n && !found; i++) {
      const k = load<i32>(input + <usize>CENTRAL_PAIRS_AT + (<usize>i << 3));
      const v = load<i32>(input + <usize>CENTRAL_PAIRS_AT + (<usize>i << 3), 4);
      // Keys compare as the rule's lower-cased pattern against the request's key, case-insensitively.
      if (globMatch(kp, kl, text + <usize>q, k) && k == kl) found = globMatch(vp, vl, text + <usize>(q + k), v);
      q += k + v;
    }
    if (!found) return false;
  }
  return true;
}

/**
 * Decides for the request in the input at `now` (epoch seconds): (index << 2) | borrowed | sampled
 * of the first rule that matches, or -1 (no rule matched, or malformed input).
 */
export function centralDecide(id: i32, now: f64): i32 {
  const s = setOf(id);
  if (s == null || inputBytes(INPUT_CAP) < 0) return -1;
  for (let i = 0; i < s.count; i++) {
    const r = ruleOf(s, i)!;
    if (!matches(r)) continue;
    r.requests++;
    const second = Math.floor(now);
    if (second != r.second) { r.second = second; r.taken = 0; r.borrowed = 0; }
    if (r.quota >= 0 && r.ttl >= now) {
      if (r.taken < r.quota) { r.taken++; r.sampled++; return (i << 2) | C_SAMPLED; }
    } else if ((r.flags & C_BORROW) != 0 && r.borrowed < 1) {
      r.borrowed++; r.borrows++; r.sampled++;
      return (i << 2) | C_BORROWED | C_SAMPLED;
    }
    // rate as a fraction of 2^32: random32() < rate·2^32 samples with probability `rate`.
    if (<f64>random32() < r.fixedRate * 4294967296.0) { r.sampled++; return (i << 2) | C_SAMPLED; }
    return i << 2;
  }
  return -1;
}

/** Reports rule `index`'s counts since the last report in R_STAT_*, and resets them. */
export function centralStats(id: i32, index: i32): i32 {
  const s = setOf(id);
  if (s == null) return E_STALE;
  const r = ruleOf(s, index);
  if (r == null) return E_INVALID;
  store<i32>(result + (<usize>R_STAT_REQUESTS << 2), r.requests);
  store<i32>(result + (<usize>R_STAT_SAMPLED << 2), r.sampled);
  store<i32>(result + (<usize>R_STAT_BORROWED << 2), r.borrows);
  r.requests = 0; r.sampled = 0; r.borrows = 0;
  return OK;
}
