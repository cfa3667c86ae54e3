/**
 * Segment documents of one trace → a tree of nodes for the waterfall. Documents are untrusted: every
 * field is checked for its type, nesting is walked without recursion and with limits, so any JSON
 * (wrong types, cycles through parent_id, 100k levels of `subsegments`) gives a tree, never a throw.
 */
import { detailOf } from "./detail.ts";

export interface TraceNode {
  id: string;
  name: string;
  /** A segment document (not a subsegment). */
  segment: boolean;
  /** Epoch seconds, when a finite number. */
  start?: number;
  end?: number;
  inProgress: boolean;
  fault: boolean;
  error: boolean;
  throttle: boolean;
  /** The document carrying this node had violations. */
  invalid: boolean;
  /** The first exception's message, when the document has one. */
  cause?: string;
  /** The call it records: AWS operation and resource, or HTTP method, path and status (detail.ts). */
  detail?: string;
  annotations: Array<[string, unknown]>;
  children: TraceNode[];
  /** parent_id named a node that never arrived. */
  missingParent?: string;
}

export interface BuiltTree {
  roots: TraceNode[];
  start?: number;
  end?: number;
  nodes: number;
  /** Nodes left out because of the depth or count limits. */
  omitted: number;
}

export interface StoredDocument {
  doc: Record<string, unknown>;
  invalid: boolean;
  /** Nested nodes already left out when the document was stored (compact.ts). */
  omitted?: number;
}

export const MAX_DEPTH = 64;
export const MAX_NODES = 5000;

type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function finite(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function nestedOf(o: Obj): Obj[] {
  const subs = o.subsegments;
  return Array.isArray(subs) ? subs.filter(isObject) : [];
}

/** Ids (the document's and its nested subsegments') and whether any part is still in progress. */
export function scanDocument(doc: Obj): { ids: string[]; inProgress: boolean } {
  const ids: string[] = [];
  let inProgress = false;
  const stack: Array<[Obj, number]> = [[doc, 0]];
  let seen = 0;
  while (stack.length > 0 && seen < MAX_NODES) {
    const [o, depth] = stack.pop()!;
    seen++;
    if (typeof o.id === "string") ids.push(o.id);
    if (o.in_progress === true) inProgress = true;
    if (depth < MAX_DEPTH) for (const s of nestedOf(o)) stack.push([s, depth + 1]);
  }
  return { ids, inProgress };
}

function toNode(o: Obj, fallbackId: string, segment: boolean, invalid: boolean): TraceNode {
  const node: TraceNode = {
    id: typeof o.id === "string" ? o.id : fallbackId,
    name: typeof o.name === "string" && o.name.length > 0 ? o.name : "(no name)",
    segment,
    inProgress: o.in_progress === true,
    fault: o.fault === true,
    error: o.error === true,
    throttle: o.throttle === true,
    invalid,
    annotations: isObject(o.annotations) ? Object.entries(o.annotations).slice(0, 50) : [],
    children: [],
  };
  const start = finite(o.start_time);
  const end = finite(o.end_time);
  if (start !== undefined) node.start = start;
  if (end !== undefined) node.end = end;
  const cause = o.cause;
  if (isObject(cause) && Array.isArray(cause.exceptions)) {
    const first: unknown = cause.exceptions[0];
    if (isObject(first) && typeof first.message === "string") node.cause = first.message;
  }
  const detail = detailOf(o);
  if (detail !== undefined) node.detail = detail;
  return node;
}

const byStart = (a: TraceNode, b: TraceNode): number => (a.start ?? Infinity) - (b.start ?? Infinity);

export function buildTree(docs: Iterable<StoredDocument>): BuiltTree {
  const byId = new Map<string, TraceNode>();
  const all: TraceNode[] = [];
  const parentOf = new Map<TraceNode, TraceNode>();
  const tops: Array<[TraceNode, string | undefined]> = [];
  let count = 0;
  let omitted = 0;
  let start: number | undefined;
  let end: number | undefined;
  const note = (n: TraceNode): void => {
    count++;
    all.push(n);
    if (n.start !== undefined) start = start === undefined ? n.start : Math.min(start, n.start);
    const last = n.end ?? n.start;
    if (last !== undefined) end = end === undefined ? last : Math.max(end, last);
  };

  for (const { doc, invalid, omitted: leftOut } of docs) {
    omitted += leftOut ?? 0;
    if (count >= MAX_NODES) {
      omitted++;
      continue;
    }
    const top = toNode(doc, `#${count}`, doc.type !== "subsegment", invalid);
    note(top);
    byId.set(top.id, top);
    tops.push([top, typeof doc.parent_id === "string" ? doc.parent_id : undefined]);
    const stack: Array<[Obj, TraceNode, number]> = nestedOf(doc).map((s) => [s, top, 1]);
    while (stack.length > 0) {
      const [o, parent, depth] = stack.pop()!;
      if (count >= MAX_NODES || depth > MAX_DEPTH) {
        omitted++;
        continue;
      }
      const node = toNode(o, `#${count}`, false, invalid);
      note(node);
      if (!byId.has(node.id)) byId.set(node.id, node);
      parent.children.push(node);
      parentOf.set(node, parent);
      for (const s of nestedOf(o)) stack.push([s, node, depth + 1]);
    }
  }

  const roots: TraceNode[] = [];
  for (const [node, parentId] of tops) {
    const parent = parentId === undefined ? undefined : byId.get(parentId);
    if (parent && !isAncestor(node, parent, parentOf)) {
      parent.children.push(node);
      parentOf.set(node, parent);
    } else {
      if (parentId !== undefined && !parent) node.missingParent = parentId;
      roots.push(node);
    }
  }

  roots.sort(byStart);
  for (const n of all) if (n.children.length > 1) n.children.sort(byStart);
  const tree: BuiltTree = { roots, nodes: count, omitted };
  if (start !== undefined) tree.start = start;
  if (end !== undefined) tree.end = end;
  return tree;
}

/** Whether `node` is `candidate` or one of its ancestors (attaching would make a cycle). */
function isAncestor(node: TraceNode, candidate: TraceNode, parentOf: Map<TraceNode, TraceNode>): boolean {
  let cur: TraceNode | undefined = candidate;
  for (let steps = 0; cur && steps <= MAX_NODES; steps++) {
    if (cur === node) return true;
    cur = parentOf.get(cur);
  }
  return false;
}
