/**
 * Issue 16, point 1: the API list is derived from aws-xray-sdk-core's own type declarations
 * (node_modules/aws-xray-sdk-core/dist/lib/*.d.ts, read here): every name its main declaration
 * exports, every function of its `middleware` and `utils`, and every method of its `Segment` and
 * `Subsegment` is in xray-edge/sdk-core, or named in docs/compatibility.md's list of what is not
 * carried over (which gives each its reason). A name the peer adds fails this test.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as ours from "../../adapters/sdk-core/index.ts";
import type { Logger, SegmentLike } from "../../adapters/sdk-core/index.ts";
import { ROOT } from "./compare.ts";

const require = createRequire(import.meta.url);
const LIB = `${dirname(require.resolve("aws-xray-sdk-core/dist/lib/index.d.ts"))}/`;
const read = (file: string) => readFileSync(LIB + file, "utf8");

/** The peer's types, which exist only in declarations: checked by the type checker through this line. */
const typesExist: [Logger | undefined, SegmentLike | undefined] = [undefined, undefined];

/** Identifiers named in the first column of the "Not carried over" table (for `a.b`, both a and b). */
function notCarriedOver(): Set<string> {
  const doc = readFileSync(`${ROOT}docs/compatibility.md`, "utf8");
  const section = doc.slice(doc.indexOf("\n## xray-edge/sdk-core")).split("Not carried over")[1] ?? "";
  const names = new Set<string>();
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const first = line.split("|")[1] ?? "";
    for (const [, code] of first.matchAll(/`([^`]+)`/g)) {
      const m = /^(?:new\s+)?([A-Za-z_$][\w$]*(?:\.[\w$]+)*)/.exec(code!);
      if (!m) continue;
      const parts = m[1]!.split(".");
      names.add(parts[0]!);
      names.add(parts[parts.length - 1]!);
    }
  }
  return names;
}

function exportedNames(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/export\s*\{([^}]*)\}/g))
    for (const part of m[1]!.split(",")) {
      const name = part
        .trim()
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name) names.add(name);
    }
  for (const m of text.matchAll(/^export (?:declare )?(?:function|namespace|const|let|class) (\w+)/gm)) names.add(m[1]!);
  return [...names];
}

const methods = (text: string) =>
  [...new Set([...text.matchAll(/^\s+([A-Za-z_]\w*)\(/gm)].map((m) => m[1]!))].filter((n) => n !== "constructor");

const TYPES = new Set(["Logger", "SegmentLike"]);

test("every export of the peer's main declaration is here (or not carried over, with its reason)", () => {
  const listed = notCarriedOver();
  const names = exportedNames(read("aws-xray.d.ts"));
  assert.ok(names.length > 30, `the declaration was read (${names.length} names)`);
  const missing = names.filter((n) => !TYPES.has(n) && !(n in ours) && !listed.has(n));
  assert.equal(missing, []);
  assert.is(typesExist.length, 2);
});

test("every function of the peer's middleware and utils is here (or not carried over)", () => {
  const listed = notCarriedOver();
  const mw = exportedNames(read("middleware/mw_utils.d.ts"));
  assert.equal(
    mw.filter((n) => !(n in ours.middleware) && !listed.has(n)),
    [],
  );
  assert.ok(mw.includes("setSamplingRules"));
  const utils = exportedNames(read("utils.d.ts"));
  assert.equal(
    utils.filter((n) => !(n in ours.utils) && !listed.has(n)),
    [],
  );
  assert.ok(utils.includes("processTraceData"));
});

test("every method of the peer's Segment and Subsegment is here (or not carried over)", () => {
  const listed = notCarriedOver();
  const own = (proto: object, name: string) => {
    for (let p: object | null = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p))
      if (Object.hasOwn(p, name) && typeof Object.getOwnPropertyDescriptor(p, name)?.value === "function") return true;
    return false;
  };
  for (const [file, cls] of [
    ["segments/segment.d.ts", ours.Segment],
    ["segments/attributes/subsegment.d.ts", ours.Subsegment],
  ] as const) {
    const names = methods(read(file));
    assert.ok(names.includes("addNewSubsegment") && names.includes("close"), `${file} was read`);
    assert.equal(
      names.filter((n) => !own(cls.prototype, n) && !listed.has(n)),
      [],
      file,
    );
  }
});

test.run();
