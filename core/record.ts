/**
 * The recording work behind Entity's methods: arguments written into the core's input, one core
 * call, its status turned into a warning. Callers (entity.ts) catch anything thrown.
 */
import { F_FAULT, F_ERROR, F_THROTTLE, NS_AWS, NS_REMOTE, M_HTTP, M_PRECURSORS, M_TRACED, BEGIN_NAME_AT } from "./abi.ts";
import type { Entity, HttpData, SubsegmentOptions, AnnotationValue } from "./entity.ts";
import { safeStringify, exceptionsOf } from "./serialize.ts";
import { MAX_ANNOTATION_KEY_CHARS, MAX_ANNOTATION_VALUE_CHARS } from "./limits.ts";
import { writeName } from "./names.ts";

// Bytes an annotation's key and value may take in the core's input (characters are cut there).
const KEY_INPUT = MAX_ANNOTATION_KEY_CHARS * 4;
const VALUE_INPUT = MAX_ANNOTATION_VALUE_CHARS * 4;
/** Metadata namespaces and keys: bytes written at most. */
const NAMESPACE_INPUT = 1024;
const METADATA_KEY_INPUT = 4096;

/** Begins a child of `parent`; returns the core's slot, or a negative status (warned). */
export function begin(parent: Entity, name: string, options: SubsegmentOptions | undefined): number {
  const t = parent.t;
  const core = t.core;
  const nameLen = writeName(core, name, BEGIN_NAME_AT);
  const ns = options?.namespace === "aws" ? NS_AWS : options?.namespace === "remote" ? NS_REMOTE : 0;
  const slot = core.x.segBegin(parent.slot, parent.gen, nameLen, t.clock(), ns);
  if (slot < 0) t.status(slot, "beginSubsegment");
  return slot;
}

export function subsegmentOptions(sub: Entity, options: SubsegmentOptions): void {
  if (options.traced !== undefined) member(sub, M_TRACED, options.traced ? "true" : "false");
  if (options.precursorIds) member(sub, M_PRECURSORS, safeStringify(options.precursorIds.map(String)));
}

export function annotation(e: Entity, key: string, value: AnnotationValue): void {
  const t = e.t;
  const core = t.core;
  const k = typeof key === "string" ? key : String(key);
  const keyLen = core.write(k, 0, KEY_INPUT);
  let type: number, valueLen: number;
  if (typeof value === "string") {
    type = 0;
    valueLen = core.write(value, keyLen, VALUE_INPUT);
  } else if (typeof value === "number" && Number.isFinite(value)) {
    type = 1;
    valueLen = core.write(String(value), keyLen, 32);
  } else if (typeof value === "boolean") {
    type = 2;
    valueLen = value ? 1 : 0;
  } else {
    t.refused++;
    return t.warnings.once("annotation-type", `annotation "${k}" ignored: not a string, finite number or boolean`);
  }
  const r = core.x.segAnnotate(e.slot, e.gen, keyLen, valueLen, type);
  if (r > 0) t.warnings.once("annotation-key", `annotation key "${k}": characters outside [A-Za-z0-9_] replaced by "_"`);
  else if (r < 0) t.status(r, "addAnnotation", k);
}

export function metadata(e: Entity, key: string, value: unknown, namespace: string): void {
  const t = e.t;
  const ns = typeof namespace === "string" ? namespace : String(namespace);
  if (ns.startsWith("AWS.")) {
    t.refused++;
    return t.warnings.once("metadata-ns", `metadata namespace "${ns}" refused: "AWS." is reserved`);
  }
  const core = t.core;
  const k = typeof key === "string" ? key : String(key);
  // The value first, at offset 0, where encodeInto writes through a cached view.
  const valueLen = t.writeJson(safeStringify(value), 0, "metadata", k);
  if (valueLen < 0) return;
  const nsLen = ns === "default" ? 0 : core.write(ns, valueLen, NAMESPACE_INPUT);
  const keyLen = core.write(k, valueLen + nsLen, METADATA_KEY_INPUT);
  const r = core.x.segMetadata(e.slot, e.gen, valueLen, nsLen, keyLen);
  if (r < 0) t.status(r, "addMetadata", k);
}

export function error(e: Entity, error: unknown, remote: boolean): void {
  const t = e.t;
  t.ensureWorkingDirectory();
  for (const json of exceptionsOf(error, remote, t.newId)) {
    const len = t.writeJson(json, 0, "error");
    if (len < 0) return;
    const r = t.core.x.segException(e.slot, e.gen, len);
    if (r < 0) return t.status(r, "addError");
  }
  flags(e, F_FAULT);
}

export function http(e: Entity, data: HttpData): void {
  member(e, M_HTTP, safeStringify(data));
  const status = data?.response?.status;
  if (typeof status !== "number") return;
  const bits =
    status === 429 ? F_THROTTLE | F_ERROR : status >= 500 && status < 600 ? F_FAULT : status >= 400 && status < 500 ? F_ERROR : 0;
  if (bits) flags(e, bits);
}

export function member(e: Entity, which: number, json: string): void {
  const len = e.t.writeJson(json, 0, "field");
  if (len < 0) return;
  const r = e.t.core.x.segMember(e.slot, e.gen, which, len);
  if (r < 0) e.t.status(r, "set");
}

export function setMember(e: Entity, which: number, data: unknown): void {
  member(e, which, safeStringify(data));
}

export function flags(e: Entity, bits: number): void {
  const r = e.t.core.x.segFlags(e.slot, e.gen, bits);
  if (r < 0) e.t.status(r, "flag");
}

export function close(e: Entity): void {
  const n = e.t.core.x.segEnd(e.slot, e.gen, e.t.clock());
  if (n < 0) e.t.status(n, "close");
  else if (n > 0) e.t.send(n);
}
