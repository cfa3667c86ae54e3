/**
 * The differential test's machinery: runs a fixture handler in a fresh process driven as
 * Lambda's Node runtime drives handlers (fixtures/driver.mjs), on the peer or on
 * xray-edge/sdk-core, with a local UDP socket as the daemon; collects every document it sends;
 * cuts the documents into entities (every segment and subsegment, nested or streamed alone), each
 * named by the names of its ancestors; and lists the differences between two runs, field by field.
 */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const DRIVER = fileURLToPath(new URL("./fixtures/driver.mjs", import.meta.url));
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Run {
  /** The documents, parsed (the daemon header line removed). */
  documents: Record<string, any>[];
  /** The driver's output lines, parsed: one per invocation, then { done: true }. */
  outcomes: Record<string, unknown>[];
  stderr: string;
}

export interface Invocation {
  header: string;
  event?: unknown;
}

/** Runs `fixture` in a fresh `node` process; resolves once it exited and every datagram it sent was read. */
export async function runFixture(
  node: string,
  fixture: string,
  sdk: "peer" | "ours",
  invocations: Invocation[],
  env: Record<string, string> = {},
): Promise<Run> {
  const socket = dgram.createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const port = socket.address().port;
  const datagrams: string[] = [];
  const MARK = `end-of-run-${Math.random()}`;
  let marked: () => void = () => {};
  const markSeen = new Promise<void>((resolve) => (marked = resolve));
  socket.on("message", (m) => {
    const text = m.toString("utf8");
    if (text === MARK) marked();
    else datagrams.push(text);
  });
  const child = spawn(node, [DRIVER, fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url)), "handler"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      SDK: sdk,
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}`,
      INVOCATIONS: JSON.stringify(invocations),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c) => (stdout += c));
  child.stderr.on("data", (c) => (stderr += c));
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearTimeout(timer);
  // The child is gone, so what it sent is in the socket's queue already: a marker sent now is read after it.
  socket.send(MARK, port, "127.0.0.1");
  await markSeen;
  socket.close();
  if (code !== 0) throw new Error(`${fixture} on ${sdk} exited ${code}: ${stderr.slice(0, 2000)}`);
  const outcomes = stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l));
  const documents = datagrams.map((d) => {
    const newline = d.indexOf("\n");
    return JSON.parse(d.slice(newline + 1));
  });
  return { documents, outcomes, stderr };
}

export interface Entity {
  /** The trace, the names from the top down, and the rank by start time: "1-…:load/parse#0". */
  key: string;
  traceId: string | undefined;
  /** For an entity at the top: the parent_id it names (the facade's, from the header). */
  topParent: string | undefined;
  fields: Record<string, unknown>;
}

/** Every entity of the documents, nested ones included, each once (a complete copy wins over an in-progress one). */
export function entitiesOf(documents: Record<string, any>[]): Entity[] {
  const byId = new Map<string, { doc: Record<string, any>; parentId: string | undefined; traceId: string | undefined }>();
  const visit = (doc: Record<string, any>, parentId: string | undefined, traceId: string | undefined) => {
    const known = byId.get(doc.id);
    if (!known || known.doc.in_progress) byId.set(doc.id, { doc, parentId, traceId });
    for (const child of doc.subsegments ?? []) visit(child, doc.id, traceId);
  };
  for (const doc of documents) visit(doc, doc.parent_id, doc.trace_id);
  const pathOf = (id: string): string => {
    const e = byId.get(id)!;
    return e.parentId !== undefined && byId.has(e.parentId) ? `${pathOf(e.parentId)}/${e.doc.name}` : e.doc.name;
  };
  const list = [...byId.entries()].map(([id, e]) => ({ id, e, path: pathOf(id) }));
  // Each trace's entities apart (one invocation each), then by path, then by start time.
  const keyOf = (e: { traceId: string | undefined }, path: string) => `${e.traceId}:${path}`;
  list.sort((a, b) => {
    const ka = keyOf(a.e, a.path);
    const kb = keyOf(b.e, b.path);
    return ka < kb ? -1 : ka > kb ? 1 : a.e.doc.start_time - b.e.doc.start_time;
  });
  const seen = new Map<string, number>();
  return list.map(({ e, path }) => {
    const k = keyOf(e, path);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return {
      key: `${k}#${n}`,
      traceId: e.traceId,
      topParent: e.parentId !== undefined && !byId.has(e.parentId) ? e.parentId : undefined,
      fields: normalized(e.doc),
    };
  });
}

/** IDs, times and the document's own framing removed: what is left is compared. */
function normalized(doc: Record<string, any>): Record<string, unknown> {
  const { id, start_time, end_time, parent_id, trace_id, type, subsegments, ...rest } = doc;
  if (rest.cause && typeof rest.cause === "object") {
    const { id: causeId, exceptions, ...cause } = rest.cause;
    rest.cause = {
      ...cause,
      ...(causeId !== undefined ? { id: "<reference>" } : {}),
      // Stack frames are compared by test/differential/documents.test.ts, under its own categories.
      exceptions: (exceptions ?? []).map(({ id: _id, stack: _stack, ...x }: Record<string, unknown>) => x),
    };
  }
  return rest;
}

export interface Difference {
  entity: string;
  /** The field's path in the entity (`aws.table_name`), or "" when the entity is missing on one side. */
  path: string;
  ours: unknown;
  peer: unknown;
}

const MISSING = Symbol("missing");

function leaves(value: unknown, path: string, out: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === "object" && !(Array.isArray(value) && value.length === 0) && Object.keys(value).length > 0) {
    for (const [k, v] of Object.entries(value)) leaves(v, path ? (Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`) : k, out);
  } else out.set(path, value);
  return out;
}

/** Every field that differs between the two runs' entities (by key). */
export function differences(ours: Entity[], peer: Entity[]): Difference[] {
  const out: Difference[] = [];
  const o = new Map(ours.map((e) => [e.key, e]));
  const p = new Map(peer.map((e) => [e.key, e]));
  for (const key of new Set([...o.keys(), ...p.keys()])) {
    const a = o.get(key);
    const b = p.get(key);
    if (!a || !b) {
      out.push({ entity: key, path: "", ours: a ? "present" : MISSING, peer: b ? "present" : MISSING });
      continue;
    }
    if (a.traceId !== b.traceId) out.push({ entity: key, path: "trace_id", ours: a.traceId, peer: b.traceId });
    if (a.topParent !== b.topParent) out.push({ entity: key, path: "parent_id", ours: a.topParent, peer: b.topParent });
    const la = leaves(a.fields, "", new Map());
    const lb = leaves(b.fields, "", new Map());
    for (const path of new Set([...la.keys(), ...lb.keys()])) {
      const va = la.has(path) ? la.get(path) : MISSING;
      const vb = lb.has(path) ? lb.get(path) : MISSING;
      if (JSON.stringify(va) !== JSON.stringify(vb) || (va === MISSING) !== (vb === MISSING))
        out.push({ entity: key, path, ours: va, peer: vb });
    }
  }
  return out;
}

export const isMissing = (v: unknown): boolean => v === MISSING;
