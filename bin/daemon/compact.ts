/**
 * What the daemon keeps of a document while its trace is open: only what the waterfall and the
 * completion rules read (ids, names, times, flags, the first exception's message, annotations, the
 * `aws` and `http` fields of the row's detail, detail.ts),
 * with every string cut to what the waterfall can show. A 64 KB datagram of metadata or of 20,000
 * empty objects parses to megabytes of heap; its compact form is a few hundred bytes per node, and
 * its size is known (`bytes`), so that the assembler can hold a byte budget.
 */
import { detailFields } from "./detail.ts";
import { MAX_DEPTH, MAX_NODES, isObject } from "./tree.ts";

type Obj = Record<string, unknown>;

export interface Compacted {
  /** Document-shaped: the same field names, so tree.ts reads it as it reads a document. */
  doc: Obj;
  /** Nested subsegments left out (deeper than MAX_DEPTH, or past MAX_NODES). */
  omitted: number;
  /** An upper estimate of the heap the compact form takes (see NODE_BYTES). */
  bytes: number;
}

/** An annotation value that is not a string, number, boolean or null, as the waterfall shows it. */
export class Preformatted {
  constructor(readonly text: string) {}
}

/**
 * Estimated heap per kept node and per annotation, over and above its strings (counted at 2 bytes
 * a character, as V8 may store them). Measured on Node 20 (the heap after gc with the compact
 * forms of 200-2,000 parsed documents of one shape held, a fresh process per shape): 70-130 bytes
 * a node with its short strings, 60-75 an annotation with its own. With these constants the
 * estimate came out 22-190% above every shape measured, so the budget is not passed in fact.
 */
export const NODE_BYTES = 200;
export const ANNOTATION_BYTES = 64;
/** Per id held in the assembler's sets (a Set entry and the string's header). */
export const ID_BYTES = 96;

/** Ids and parent ids longer than this are not ids: X-Ray's are 16 hex digits (trace ids 35 characters). */
export const MAX_ID_CHARS = 200;
/** Names: the waterfall shows at most 40 columns of a label, indentation included. */
const MAX_NAME_CHARS = 100;
/** The waterfall shows 80 characters of a string annotation value (81 keep the "…" it adds). */
const MAX_VALUE_CHARS = 81;
const MAX_KEY_CHARS = 48;
const MAX_CAUSE_CHARS = 100;
const MAX_ANNOTATIONS = 50;
/** The waterfall shows 60 characters of a JSON annotation value. */
const MAX_JSON_VALUE_CHARS = 60;

/**
 * `text` cut to `max` characters, as a string of its own: V8's slice() would keep the whole
 * original alive behind the short one (a 60 KB value behind its 81 characters).
 */
const clip = (text: string, max: number): string => (text.length > max ? [...text.slice(0, max)].join("") : text);

/** A non-primitive annotation value as the waterfall shows it: its JSON, cut to 60 characters. */
export function formatJsonValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Too deep for JSON.stringify (a document can nest arrays 30,000 levels).
    text = Object.prototype.toString.call(value);
  }
  return text.length > MAX_JSON_VALUE_CHARS ? `${text.slice(0, MAX_JSON_VALUE_CHARS - 1)}…` : text;
}

/** The compact form of one (parsed, untrusted) document. Walks without recursion; never throws. */
export function compactDocument(doc: Obj): Compacted {
  const result: Compacted = { doc: {}, omitted: 0, bytes: 0 };
  result.doc = compactNode(doc, true, result);
  let kept = 1;
  const stack: Array<[Obj, Obj, number]> = [[doc, result.doc, 0]];
  while (stack.length > 0) {
    const [source, target, depth] = stack.pop()!;
    const subs = source.subsegments;
    if (!Array.isArray(subs)) continue;
    const children: Obj[] = [];
    for (const sub of subs) {
      if (!isObject(sub)) continue;
      if (depth + 1 > MAX_DEPTH || kept >= MAX_NODES) {
        result.omitted++;
        continue;
      }
      kept++;
      const child = compactNode(sub, false, result);
      children.push(child);
      stack.push([sub, child, depth + 1]);
    }
    if (children.length > 0) target.subsegments = children;
  }
  return result;
}

function compactNode(o: Obj, top: boolean, into: Compacted): Obj {
  // Fields set one by one, by name: a first version with a closure and loops over key names took
  // 14 ms for a datagram of 4,900 subsegments, this one 2.3 ms (Node 20).
  const node: Obj = {};
  let chars = 0;
  if (typeof o.id === "string" && o.id.length <= MAX_ID_CHARS) {
    node.id = o.id;
    chars += o.id.length;
  }
  if (typeof o.name === "string") {
    const name = clip(o.name, MAX_NAME_CHARS);
    node.name = name;
    chars += name.length;
  }
  if (top) {
    if (o.type === "subsegment") node.type = "subsegment";
    // Cut, not dropped: a segment with a parent_id is not a root, however long the id.
    if (typeof o.parent_id === "string") {
      const parent = clip(o.parent_id, MAX_ID_CHARS);
      node.parent_id = parent;
      chars += parent.length;
    }
  }
  if (typeof o.start_time === "number") node.start_time = o.start_time;
  if (typeof o.end_time === "number") node.end_time = o.end_time;
  if (o.in_progress === true) node.in_progress = true;
  if (o.fault === true) node.fault = true;
  if (o.error === true) node.error = true;
  if (o.throttle === true) node.throttle = true;
  const cause = o.cause;
  if (isObject(cause) && Array.isArray(cause.exceptions)) {
    const first: unknown = cause.exceptions[0];
    if (isObject(first) && typeof first.message === "string") {
      const message = clip(first.message, MAX_CAUSE_CHARS);
      node.cause = { exceptions: [{ message }] };
      chars += message.length;
      into.bytes += NODE_BYTES; // the cause's own two objects and array
    }
  }
  const detail = detailFields(o);
  if (detail) {
    if (detail.aws) node.aws = detail.aws;
    if (detail.http) node.http = detail.http;
    chars += detail.chars;
    into.bytes += NODE_BYTES; // up to four small objects
  }
  if (isObject(o.annotations)) {
    // No prototype: a key "__proto__" is then a key like any other.
    const annotations: Obj = Object.create(null) as Obj;
    let count = 0;
    for (const key in o.annotations) {
      if (!Object.hasOwn(o.annotations, key)) continue;
      if (count++ >= MAX_ANNOTATIONS) break;
      const value = compactValue(o.annotations[key]);
      const k = clip(key, MAX_KEY_CHARS);
      annotations[k] = value;
      chars += k.length + (typeof value === "string" ? value.length : value instanceof Preformatted ? value.text.length : 0);
      into.bytes += ANNOTATION_BYTES;
    }
    if (count > 0) node.annotations = annotations;
  }
  into.bytes += NODE_BYTES + 2 * chars;
  return node;
}

function compactValue(value: unknown): unknown {
  if (typeof value === "string") return clip(value, MAX_VALUE_CHARS);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return value;
  return new Preformatted(formatJsonValue(value));
}
