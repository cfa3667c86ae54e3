// Local sampling rules: the first rule whose patterns match decides, the default rule last. Each
// rule takes `fixedTarget` requests per second (its reservoir), then samples `rate` of the rest.
// Patterns use `*` (any run) and `?` (one character), ASCII case-insensitive. A request attribute
// that is absent matches any pattern (as aws-xray-sdk-core's local sampler does).
import { input } from "./abi";
import { INPUT_CAP, SAMPLER_FIELDS, SAMPLER_BYTES_AT, MAX_PATTERN_BYTES } from "./shared";
import { random32 } from "./entropy";
import { globMatch, lower } from "./glob";

/** Patterns per rule: host, method, path, service name, service type. */
const FIELDS: i32 = SAMPLER_FIELDS;

@unmanaged class Rule {
  patterns: usize;       // FIELDS × (offset i32, length i32) into `bytes`, length -1: any
  bytes: usize;
  fixedTarget: i32;
  rate: f64;
  second: f64;           // the second the reservoir counts
  used: i32;
  next: usize;
}

@unmanaged class RuleSet {
  first: usize;
  last: usize;
  count: i32;
}

let sets: usize = 0;
let setCount: i32 = 0;
let setCap: i32 = 0;

/** A new, empty rule set; returns its id (a freed one is reused, so ids stay few). */
export function samplerCreate(): i32 {
  let id = -1;
  for (let i = 0; i < setCount; i++) {
    if (load<u32>(sets + (<usize>i << 2)) == 0) { id = i; break; }
  }
  if (id < 0) {
    if (setCount == setCap) {
      setCap = setCap == 0 ? 4 : setCap << 1;
      sets = sets == 0 ? heap.alloc(<usize>setCap << 2) : heap.realloc(sets, <usize>setCap << 2);
    }
    id = setCount++;
  }
  const s = changetype<RuleSet>(heap.alloc(offsetof<RuleSet>()));
  s.first = 0; s.last = 0; s.count = 0;
  store<u32>(sets + (<usize>id << 2), <u32>changetype<usize>(s));
  return id;
}

/** Frees a rule set and its rules (the host's Sampler was garbage-collected). */
export function samplerFree(id: i32): void {
  const s = setOf(id);
  if (s == null) return;
  for (let c = s.first; c != 0;) {
    const r = changetype<Rule>(c);
    c = r.next;
    heap.free(r.patterns);
    heap.free(r.bytes);
    heap.free(changetype<usize>(r));
  }
  heap.free(changetype<usize>(s));
  store<u32>(sets + (<usize>id << 2), 0);
}

/** Rule sets alive now (tests check that a collected Sampler frees its own). */
export function samplerCount(): i32 {
  let n = 0;
  for (let i = 0; i < setCount; i++) if (load<u32>(sets + (<usize>i << 2)) != 0) n++;
  return n;
}

function setOf(id: i32): RuleSet | null {
  if (id < 0 || id >= setCount) return null;
  const p = <usize>load<u32>(sets + (<usize>id << 2));
  return p == 0 ? null : changetype<RuleSet>(p);
}


/**
 * Adds a rule. Input: the five pattern lengths as i32 at input[0, 20) (-1: the rule has no
 * pattern there and matches all), the patterns back to back from input[20]. Returns the rule's
 * index, or -1 for an unknown set or a pattern over MAX_PATTERN_BYTES (refused, never cut).
 */
export function samplerAddRule(id: i32, fixedTarget: i32, rate: f64): i32 {
  const s = setOf(id);
  if (s == null) return -1;
  // Each length is bounded before it is summed: two huge ones must not wrap around the check.
  let total = 0;
  for (let i = 0; i < FIELDS; i++) {
    const l = load<i32>(input + <usize>(i << 2));
    if (l > MAX_PATTERN_BYTES) return -1;
    if (l > 0) total += l;
  }
  const r = changetype<Rule>(heap.alloc(offsetof<Rule>()));
  r.patterns = heap.alloc(<usize>FIELDS << 3);
  r.bytes = heap.alloc(<usize>max(total, 1));
  let at = 0;
  for (let i = 0; i < FIELDS; i++) {
    const l = load<i32>(input + <usize>(i << 2));
    store<i32>(r.patterns + (<usize>i << 3), at);
    store<i32>(r.patterns + (<usize>i << 3), l < 0 ? -1 : l, 4);
    for (let k = 0; k < l; k++) store<u8>(r.bytes + <usize>(at + k), <u8>lower(load<u8>(input + <usize>SAMPLER_BYTES_AT + <usize>(at + k))));
    if (l > 0) at += l;
  }
  r.fixedTarget = fixedTarget < 0 ? 0 : fixedTarget;
  r.rate = rate >= 0 && rate <= 1 ? rate : (rate > 1 ? 1.0 : 0.0);
  r.second = -1;
  r.used = 0;
  r.next = 0;
  if (s.last == 0) s.first = changetype<usize>(r);
  else changetype<Rule>(s.last).next = changetype<usize>(r);
  s.last = changetype<usize>(r);
  return s.count++;
}


/**
 * Decides for a request whose five attributes are at input: lengths as five i32 at input[0, 20)
 * (-1: absent), bytes from input[20]. Returns (rule index << 1) | sampled, or -1 when no rule
 * matched (an empty set).
 */
export function samplerDecide(id: i32, now: f64): i32 {
  const s = setOf(id);
  if (s == null) return -1;
  let total = 0;
  for (let i = 0; i < FIELDS; i++) {
    const l = load<i32>(input + <usize>(i << 2));
    if (l > INPUT_CAP || (l > 0 && (total += l) > INPUT_CAP - SAMPLER_BYTES_AT)) return -1;
  }
  let index = 0;
  for (let c = s.first; c != 0; c = changetype<Rule>(c).next, index++) {
    const r = changetype<Rule>(c);
    let ok = true;
    let at = 0;
    for (let i = 0; i < FIELDS && ok; i++) {
      const tl = load<i32>(input + <usize>(i << 2));
      const pl = load<i32>(r.patterns + (<usize>i << 3), 4);
      if (tl >= 0 && pl >= 0) {
        const po = load<i32>(r.patterns + (<usize>i << 3));
        ok = globMatch(r.bytes + <usize>po, pl, input + <usize>SAMPLER_BYTES_AT + <usize>at, tl);
      }
      if (tl > 0) at += tl;
    }
    if (!ok) continue;
    const second = Math.floor(now);
    if (second != r.second) { r.second = second; r.used = 0; }
    if (r.used < r.fixedTarget) { r.used++; return (index << 1) | 1; }
    // rate as a fraction of 2^32: random32() < rate·2^32 samples with probability `rate`.
    const sampled = <f64>random32() < r.rate * 4294967296.0;
    return (index << 1) | (sampled ? 1 : 0);
  }
  return -1;
}
