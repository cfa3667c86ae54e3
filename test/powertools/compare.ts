/**
 * Entity-by-entity comparison of two runs of the same invocations: the documents of each side
 * are taken apart into entities (a document and its nested subsegments, the peer sending each
 * subsegment as a document of its own, xray-edge nesting them in the handler's), rebuilt as one
 * tree per invocation under the header's Parent, and compared node by node, children matched by
 * name then start order. Each field is compared by path, JSON type and value; IDs, times and
 * stack frames are set aside (they differ between any two runs, and frames name each SDK's own
 * files). Every remaining difference must be one of the categories of docs/compatibility.md's
 * "xray-edge/powertools" section, which the test reads from the document itself.
 */
import { readFileSync } from "node:fs";
import { entities } from "./harness.ts";

type Doc = Record<string, any>;

export interface Leaf {
  type: string;
  value: unknown;
}

export interface Difference {
  invocation: number;
  /** The entity's place: names from the handler's subsegment down. */
  entity: string;
  path: string;
  ours?: Leaf | undefined;
  peer?: Leaf | undefined;
  /** The two entities compared (absent for a missing entity). */
  pair?: { ours: Doc; peer: Doc };
}

/** Fields that are structure (compared as such) or differ between any two runs. */
const ASIDE = /^(id|parent_id|trace_id|type|start_time|end_time|subsegments)$|^cause\.exceptions\[\d+\]\.(id|stack)(\[|$|\.)/;

export function flatten(value: unknown, path = "", out = new Map<string, Leaf>()): Map<string, Leaf> {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  if (path && !ASIDE.test(path)) out.set(path, { type, value: type === "object" || type === "array" ? undefined : value });
  if (ASIDE.test(path)) return out;
  if (Array.isArray(value)) for (const [i, v] of value.entries()) flatten(v, `${path}[${i}]`, out);
  else if (type === "object") for (const [k, v] of Object.entries(value as object)) flatten(v, path ? `${path}.${k}` : k, out);
  return out;
}

interface Node {
  entity: Doc;
  children: Node[];
}

/** One tree per invocation: the entities of trace `root` under the facade `parent`, rebuilt by IDs. */
export function tree(documents: Doc[], root: string, parent: string): { nodes: Node[]; byId: Map<string, Doc>; stray: Doc[] } {
  const byId = entities(documents.filter((d) => d.trace_id === root));
  const parentOf = new Map<string, string>();
  const note = (e: Doc, p: string | undefined) => {
    if (p !== undefined) parentOf.set(e.id, p);
    for (const s of e.subsegments ?? []) note(s, e.id);
  };
  for (const d of documents) if (d.trace_id === root) note(d, d.parent_id);
  const nodes = new Map<string, Node>([...byId].map(([id, e]) => [id, { entity: e, children: [] }]));
  const roots: Node[] = [];
  const stray: Doc[] = [];
  for (const [id, node] of nodes) {
    const p = parentOf.get(id);
    if (p === parent) roots.push(node);
    else if (p !== undefined && nodes.has(p)) nodes.get(p)!.children.push(node);
    else stray.push(node.entity);
  }
  return { nodes: roots, byId, stray };
}

const order = (a: Node, b: Node) => String(a.entity.name).localeCompare(String(b.entity.name)) || a.entity.start_time - b.entity.start_time;

/** Every difference between the two trees (a missing entity is one, at the path `(entity)`). */
export function compareTrees(invocation: number, ours: Node[], peer: Node[], where = ""): Difference[] {
  const out: Difference[] = [];
  const o = [...ours].sort(order);
  const p = [...peer].sort(order);
  for (let i = 0; i < Math.max(o.length, p.length); i++) {
    const a = o[i];
    const b = p[i];
    const name = `${where}/${a?.entity.name ?? b?.entity.name}`;
    if (!a || !b || a.entity.name !== b.entity.name) {
      out.push({
        invocation,
        entity: name,
        path: "(entity)",
        ours: a && { type: "entity", value: a.entity.name },
        peer: b && { type: "entity", value: b.entity.name },
      });
      continue;
    }
    const fo = flatten(a.entity);
    const fp = flatten(b.entity);
    for (const path of new Set([...fo.keys(), ...fp.keys()])) {
      const x = fo.get(path);
      const y = fp.get(path);
      if (x && y && x.type === y.type && x.value === y.value) continue;
      out.push({ invocation, entity: name, path, ours: x, peer: y, pair: { ours: a.entity, peer: b.entity } });
    }
    out.push(...compareTrees(invocation, a.children, b.children, name));
  }
  return out;
}

/** The context a classifier may look at: the compared pair and the peer's entities by ID. */
export interface Sides {
  ours: Doc;
  peer: Doc;
  peerById: Map<string, Doc>;
}

/** The categories of the Powertools section of docs/compatibility.md, as the document names them. */
export function documentedCategories(): string[] {
  const text = readFileSync(new URL("../../docs/compatibility.md", import.meta.url), "utf8");
  const start = text.indexOf("\n## xray-edge/powertools");
  if (start < 0) throw new Error('docs/compatibility.md has no "## xray-edge/powertools" section');
  const rest = text.slice(start + 1);
  const next = rest.indexOf("\n## ");
  const section = next < 0 ? rest : rest.slice(0, next);
  return [...section.matchAll(/^\| `([a-z0-9-]+)` +\|/gm)].map((m) => m[1]!);
}

const exceptionPath = /^cause\.exceptions\[(\d+)\]\.remote$/;

/**
 * How each documented difference is recognised. Each must match exactly that difference: a
 * field the category does not explain is left unclassified, and fails the test.
 */
export const CLASSIFIERS: Record<string, (d: Difference, s: Sides) => boolean> = {
  // The peer writes remote: false on every local exception; xray-edge writes remote only when true.
  "exception-remote-false": (d) => exceptionPath.test(d.path) && d.ours === undefined && d.peer?.value === false,
  // The peer's parent of a failed subsegment, when the same error passes through it, points to
  // the child's exception (cause.id, no exceptions); xray-edge records the exception again.
  "exception-reference": (d, s) => {
    if (!d.path.startsWith("cause")) return false;
    const ref = s.peer.cause?.id;
    const child = typeof ref === "string" ? s.peerById.get(ref) : undefined;
    const mine = s.ours.cause?.exceptions?.[0];
    return child !== undefined && s.peer.cause.exceptions?.length === 0 && mine?.message === child.cause?.exceptions?.[0]?.message;
  },
  // aws-xray-sdk-core writes $metadata.attempts as retries (1 for a call that took one attempt).
  "aws-retries": (d) => d.path === "aws.retries" && typeof d.ours?.value === "number" && d.peer?.value === d.ours.value + 1,
  // The peer writes a fetch's URL as protocol, hostname and path, leaving the port out; xray-edge
  // keeps the host as requested, port included.
  "fetch-url-port": (d) => {
    if (d.path !== "http.request.url" || typeof d.ours?.value !== "string") return false;
    const u = new URL(d.ours.value);
    return u.port !== "" && d.peer?.value === `${u.protocol}//${u.hostname}${u.pathname}`;
  },
  // Fields the peer takes from each operation's input or output (table_name, ...), which
  // xray-edge/aws-sdk does not record yet.
  "aws-operation-fields": (d) =>
    d.ours === undefined && /^aws\./.test(d.path) && !/^aws\.(operation|region|request_id|retries)$/.test(d.path),
};

/** The category of `d`, or undefined when none explains it. */
export function classify(d: Difference, peerById: Map<string, Doc>): string | undefined {
  if (!d.pair) return undefined;
  const s: Sides = { ...d.pair, peerById };
  for (const [name, test] of Object.entries(CLASSIFIERS)) if (test(d, s)) return name;
  return undefined;
}
