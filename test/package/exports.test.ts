// The published shape: the export map resolves for import, require and both kinds of types, and
// the bundles work on their own (wasm embedded, no file read at run time).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import entries from "../../scripts/entries.json" with { type: "json" };

const bin = (name: string) => `node_modules/.bin/${name}`;
// attw and publint pack the repository: without scripts, or prepack would rebuild dist/ (npm test
// has just built it) under the tests that read it.
const run = (cmd: string, args: string[]) =>
  spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, env: { ...process.env, NO_COLOR: "1", npm_config_ignore_scripts: "true" } });

test("publint --strict finds nothing", () => {
  const r = run(bin("publint"), ["--strict"]);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /All good!/);
});

test("are-the-types-wrong: every entry resolves under node10, node16 (CJS and ESM) and bundlers", () => {
  const r = run(bin("attw"), ["--pack", ".", "--format", "json"]);
  assert.is(r.status, 0, r.stdout.slice(0, 2000) + r.stderr);
  const report = JSON.parse(r.stdout.slice(r.stdout.indexOf("{")));
  assert.type(report.problems, "object", "attw's report has a problems map");
  assert.equal(Object.keys(report.problems), [], JSON.stringify(report.problems).slice(0, 500));
  const names = Object.keys(report.analysis.entrypoints);
  for (const { subpath } of entries) assert.ok(names.includes(subpath), `${subpath} analysed (got ${names})`);
});

test("import and require by package name load the bundles and work", () => {
  const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  const check = `const h = m.parseTraceHeader(${JSON.stringify(header)}); if (h.parent !== "53995c3f42cd8ad8") throw new Error("parse");
    if (!/^[0-9a-f]{16}$/.test(m.newSegmentId())) throw new Error("id");
    const e = new m.MemoryEmitter(); const t = new m.Tracer({ emitter: e }); t.beginSegment("s", { traceHeader: h }).close();
    if (e.documents()[0].parent_id !== "53995c3f42cd8ad8") throw new Error("document"); console.log("ok");`;
  const esm = run(process.execPath, ["--input-type=module", "-e", `import * as m from "xray-edge"; ${check}`]);
  assert.is(esm.stdout.trim(), "ok", esm.stderr);
  const cjs = run(process.execPath, ["-e", `const m = require("xray-edge"); ${check}`]);
  assert.is(cjs.stdout.trim(), "ok", cjs.stderr);
});

test.run();
