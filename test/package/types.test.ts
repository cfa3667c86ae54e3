// The published declarations carry nothing internal: every name the sources tag `@internal` is
// stripped from dist/types (tsc's stripInternal), and no declaration file leaks the core's ABI.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const root = new URL("../../", import.meta.url).pathname;

function files(dir: string, ending: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), ending) : e.name.endsWith(ending) ? [join(dir, e.name)] : [],
  );
}

/** The names declared right after an `@internal` tag in the sources. */
function internalNames(): string[] {
  const names = new Set<string>();
  const sources = [...files("core", ".ts"), ...files("adapters", ".ts")].filter((f) => !f.startsWith("core/assembly"));
  for (const file of sources) {
    const text = readFileSync(join(root, file), "utf8");
    const tagged =
      /@internal\b[\s\S]*?\*\/\s*(?:export\s+)?(?:declare\s+)?(?:readonly\s+|abstract\s+|static\s+|private\s+|protected\s+)*(?:class\s+|interface\s+|function\s+|const\s+|type\s+|\{\s*)?([A-Za-z_$][\w$]*)/g;
    for (const m of text.matchAll(tagged)) if (m[1] !== "constructor") names.add(m[1]!);
  }
  return [...names];
}

test("no name tagged @internal in the sources appears in a published declaration", () => {
  const names = internalNames();
  for (const expected of ["_rec", "_slot", "_gen", "_carry", "core", "reclaim", "Core", "Recorder", "EntityInit"]) {
    assert.ok(names.includes(expected), `${expected} is tagged @internal (found: ${names.join(", ")})`);
  }
  const declarations = files("dist/types", ".d.ts");
  assert.ok(declarations.length > 10, "the build wrote declarations");
  const leaks: string[] = [];
  for (const file of declarations) {
    const text = readFileSync(join(root, file), "utf8")
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/\/\/.*$/gm, "");
    for (const name of names) {
      const declared = new RegExp(
        `(^|[\\s{;,])(readonly\\s+|private\\s+|protected\\s+)?${name.replace(/\$/g, "\\$")}\\??\\s*[:(<]|\\b(class|interface|function|const|type)\\s+${name}\\b|export \\{[^}]*\\b${name}\\b`,
        "m",
      );
      if (declared.test(text)) leaks.push(`${file}: ${name}`);
    }
  }
  assert.equal(leaks, []);
});

test("a constructor tagged @internal is gone from the declarations, so handles are made by the tracer only", () => {
  const entity = readFileSync(join(root, "dist/types/core/entity.d.ts"), "utf8");
  assert.not.match(entity, /constructor\(/);
  assert.match(entity, /class Segment extends Entity/);
});

test.run();
