import { MAX_PATTERN_BYTES } from "./assembly/shared.ts";

/**
 * Local sampling rule files, versions 1 and 2, validated at construction. A malformed file throws
 * with a message naming the field and the expected form; nothing is guessed.
 */

export interface LocalRule {
  /** What `shouldSample` reports as `rule`: the description, else `rules[i]`, or "default". */
  name: string;
  host?: string;
  httpMethod?: string;
  urlPath?: string;
  fixedTarget: number;
  rate: number;
}

/** The default rule of the X-Ray SDKs: 1 request per second, then 5%. */
export const DEFAULT_RULES: LocalRule[] = [{ name: "default", fixedTarget: 1, rate: 0.05 }];

function fail(where: string, message: string): never {
  throw new Error(`xray-edge: invalid sampling rules: ${where} ${message}`);
}

/** The core counts reservoirs in i32: a larger target would wrap. */
const MAX_FIXED_TARGET = 2 ** 31 - 1;

function fixedTarget(where: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_FIXED_TARGET) {
    fail(
      where,
      `"fixed_target" must be a non-negative integer (requests per second) at most ${MAX_FIXED_TARGET}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function rate(where: string, value: unknown): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    fail(where, `"rate" must be a number from 0 to 1, got ${JSON.stringify(value)}`);
  }
  return value;
}

function pattern(where: string, key: string, value: unknown): string {
  if (typeof value !== "string") fail(where, `"${key}" must be a string pattern (* and ? wildcards), got ${JSON.stringify(value)}`);
  const bytes = new TextEncoder().encode(value).length;
  if (bytes > MAX_PATTERN_BYTES) fail(where, `"${key}" is ${bytes} bytes: patterns are at most ${MAX_PATTERN_BYTES} bytes`);
  return value;
}

const V1_FIELDS = ["service_name", "http_method", "url_path", "fixed_target", "rate"];
const V2_FIELDS = ["host", "http_method", "url_path", "fixed_target", "rate"];
const DEFAULT_FIELDS = ["fixed_target", "rate"];

/** Checks that `raw` is an object with exactly the `required` fields (plus `optional` ones). */
function fields(where: string, raw: unknown, required: string[], optional: string[]): Record<string, unknown> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) fail(where, `must be an object with ${required.join(", ")}`);
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!required.includes(key) && !optional.includes(key))
      fail(where, `has unknown field "${key}" (expected: ${[...required, ...optional].join(", ")})`);
  }
  for (const key of required) if (!(key in r)) fail(where, `has no "${key}" (expected: ${[...required, ...optional].join(", ")})`);
  return r;
}

function parseRule(version: 1 | 2, raw: unknown, index: number): LocalRule {
  const where = `rules[${index}]`;
  const r = fields(where, raw, version === 1 ? V1_FIELDS : V2_FIELDS, ["description"]);
  if (r.description !== undefined && typeof r.description !== "string") fail(where, `"description" must be a string`);
  return {
    name: typeof r.description === "string" && r.description !== "" ? r.description : where,
    host: pattern(where, version === 1 ? "service_name" : "host", version === 1 ? r.service_name : r.host),
    httpMethod: pattern(where, "http_method", r.http_method),
    urlPath: pattern(where, "url_path", r.url_path),
    fixedTarget: fixedTarget(where, r.fixed_target),
    rate: rate(where, r.rate),
  };
}

/** Where the platform reads no files, a path cannot be followed. */
type ReadTextFile = ((path: string) => string) | undefined;

function readRulesFile(path: string, read: ReadTextFile): string {
  if (!read) fail("file", `"${path}" cannot be read here (this platform reads no files); pass the rules as an object or JSON text`);
  try {
    return read(path);
  } catch (error) {
    return fail("file", `"${path}" cannot be read: ${(error as Error)?.message ?? String(error)}`);
  }
}

const DOCUMENT_FIELDS = ["version", "default", "rules"];

/**
 * Parses a rules document: an object, JSON text (a leading byte-order mark is accepted), or a file
 * path read through the platform's `readTextFile`. Returns the rules in file order with the
 * default last. Checked field by field: an unknown key, a number out of range or a pattern over
 * MAX_PATTERN_BYTES throws, naming the field.
 */
export function parseLocalRules(source: object | string, readTextFile?: ReadTextFile): LocalRule[] {
  let doc: unknown = source;
  if (typeof source === "string") {
    const unmarked = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
    const head = unmarked.trimStart();
    let text = unmarked;
    if (!head.startsWith("{") && !head.startsWith("[")) {
      text = readRulesFile(source, readTextFile);
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    try {
      doc = JSON.parse(text);
    } catch (error) {
      fail("document", `is not valid JSON: ${(error as Error).message}`);
    }
  }
  if (Array.isArray(doc)) fail("document", "is an array: a rules document is an object with version, default and rules");
  if (typeof doc !== "object" || doc === null) fail("document", `must be a JSON object, got ${doc === null ? "null" : typeof doc}`);
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (!DOCUMENT_FIELDS.includes(key)) fail("document", `has unknown field "${key}" (expected: ${DOCUMENT_FIELDS.join(", ")})`);
  }
  if (d.version !== 1 && d.version !== 2) fail("document", `"version" must be 1 or 2, got ${JSON.stringify(d.version)}`);
  const version = d.version;
  const def = fields("default", d.default, DEFAULT_FIELDS, []);
  const rules: LocalRule[] = [];
  if (d.rules !== undefined) {
    if (!Array.isArray(d.rules)) fail("document", `"rules" must be an array`);
    d.rules.forEach((raw, i) => {
      rules.push(parseRule(version, raw, i));
    });
  }
  rules.push({ name: "default", fixedTarget: fixedTarget("default", def.fixed_target), rate: rate("default", def.rate) });
  return rules;
}
