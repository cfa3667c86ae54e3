// The README's performance section and docs/migration.md's cost table say exactly what
// bench/results.json holds: regenerated from it, each file is unchanged. A figure edited by hand,
// or a results.json committed without `node bench/report/readme.mjs`, fails here.
import { readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { GENERATED, normalizeTables, withSection } from "../../bench/report/readme.mjs";

const root = new URL("../../", import.meta.url);
const results = JSON.parse(readFileSync(new URL("bench/results.json", root), "utf8"));

for (const { file, render } of GENERATED) {
  test(`${file}: the generated section is results.json's`, () => {
    const text = readFileSync(new URL(file, root), "utf8");
    // Tables compared cell by cell: the formatter (biome) pads them, which changes no figure.
    assert.fixture(normalizeTables(withSection(text, render(results), file)), normalizeTables(text));
  });
}

test("results.json is a full run: every suite ran, none in quick mode", () => {
  assert.is(results.meta.quick, false);
  assert.equal(results.failed, {});
  for (const suite of ["micro", "startup", "cold", "size", "memory", "udp", "lambda", "invocation", "runtimes", "http", "layers"])
    assert.ok(results.suites[suite], `suite ${suite} missing`);
});

test("every target in the README is one results.json judged", () => {
  const readme = normalizeTables(readFileSync(new URL("README.md", root), "utf8"));
  for (const t of results.targets) assert.ok(readme.includes(`| ${t.what} | ${t.measured} | ${t.goal} | ${t.verdict} |`), t.what);
});

test.run();
