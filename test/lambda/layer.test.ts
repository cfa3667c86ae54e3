/**
 * `xray-edge layer node`: the zip holds nodejs/node_modules/xray-edge with the ESM and CommonJS
 * builds; unpacked, the package loads by `import` and by `require` from that path (and through
 * NODE_PATH, as the managed runtime resolves layers) and traces a handler.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { unzipSync } from "fflate";

const dir = mkdtempSync(join(tmpdir(), "xray-layer-"));
const HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

// What a handler does with the package: a traced invocation whose document is checked.
const PROBE = `
  const seen = [];
  const emitter = { send: (d) => seen.push(new TextDecoder().decode(d)), flush: async () => {} };
  process.env._X_AMZN_TRACE_ID = ${JSON.stringify(HEADER)};
  const handler = lambda.traceHandler(async () => core.parseTraceHeader(${JSON.stringify(HEADER)}).parent, { emitter, name: "probe" });
  handler({}, {}).then((result) => {
    const doc = JSON.parse(seen[0].slice(seen[0].indexOf("\\n") + 1));
    console.log(JSON.stringify({ result, name: doc.name, trace: doc.trace_id, parent: doc.parent_id }));
  });`;
const EXPECTED = { result: "53995c3f42cd8ad8", name: "## probe", trace: "1-5759e988-bd862e3fe1be46a994272793", parent: "53995c3f42cd8ad8" };

test("the command writes the zip and prints its size", () => {
  const r = spawnSync(process.execPath, ["dist/bin/xray-edge.js", "layer", "node", "--out", dir], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  const zip = join(dir, "xray-edge-node.zip");
  const kb = (statSync(zip).size / 1000).toFixed(1);
  assert.match(r.stdout, new RegExp(`xray-edge-node\\.zip\\s+${kb.replace(".", "\\.")} kB`));
  const files = unzipSync(readFileSync(zip));
  const names = Object.keys(files).sort();
  for (const want of [
    "package.json",
    "dist/index.js",
    "dist/index.cjs",
    "dist/lambda.js",
    "dist/lambda.cjs",
    "dist/udp.js",
    "dist/udp.cjs",
  ]) {
    assert.ok(names.includes(`nodejs/node_modules/xray-edge/${want}`), `${want} in ${names.join(", ")}`);
  }
  assert.ok(
    names.every((n) => n.startsWith("nodejs/node_modules/xray-edge/")),
    names.join(", "),
  );
  for (const [name, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, "opt", name)), { recursive: true });
    writeFileSync(join(dir, "opt", name), data);
  }
  const manifest = JSON.parse(readFileSync(join(dir, "opt/nodejs/node_modules/xray-edge/package.json"), "utf8"));
  assert.equal(manifest.exports["./lambda"], { import: "./dist/lambda.js", require: "./dist/lambda.cjs" });
});

test("unpacked, it loads by import from its nodejs/node_modules path", () => {
  const probe = join(dir, "opt/nodejs/probe.mjs");
  writeFileSync(probe, `import * as core from "xray-edge"; import * as lambda from "xray-edge/lambda";\n${PROBE}`);
  const r = spawnSync(process.execPath, [probe], { encoding: "utf8", cwd: tmpdir() });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), EXPECTED);
});

test("unpacked, it loads by require, by path and through NODE_PATH as the managed runtime sets it", () => {
  const modules = join(dir, "opt/nodejs/node_modules");
  const byPath = spawnSync(
    process.execPath,
    [
      "-e",
      `const core = require(${JSON.stringify(join(modules, "xray-edge"))}); const lambda = require(${JSON.stringify(join(modules, "xray-edge/dist/lambda.cjs"))});\n${PROBE}`,
    ],
    { encoding: "utf8", cwd: tmpdir() },
  );
  assert.is(byPath.status, 0, byPath.stderr);
  assert.equal(JSON.parse(byPath.stdout), EXPECTED);
  const task = join(dir, "task");
  mkdirSync(task, { recursive: true });
  writeFileSync(join(task, "index.cjs"), `const core = require("xray-edge"); const lambda = require("xray-edge/lambda");\n${PROBE}`);
  const viaNodePath = spawnSync(process.execPath, [join(task, "index.cjs")], {
    encoding: "utf8",
    cwd: task,
    env: { ...process.env, NODE_PATH: modules },
  });
  assert.is(viaNodePath.status, 0, viaNodePath.stderr);
  assert.equal(JSON.parse(viaNodePath.stdout), EXPECTED);
});

test("an unknown layer kind is refused with the usage", () => {
  const r = spawnSync(process.execPath, ["dist/bin/xray-edge.js", "layer", "python"], { encoding: "utf8" });
  assert.is(r.status, 2);
  assert.match(r.stderr, /expected node, bun or deno, got "python"/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
