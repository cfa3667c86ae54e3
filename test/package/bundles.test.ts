/**
 * Issue 14, point 3: no bundle carries another's code, and each has a size budget. Read from what
 * `npm run build` leaves: dist/ (each subpath's file and, for the code others import, its
 * .internal.js beside it) and the esbuild metafiles in build/meta/ (one per file). Sizes are deterministic
 * for one esbuild version; times are left to the benchmarks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import entries from "../../scripts/entries.json" with { type: "json" };
import budgets from "../../scripts/budgets.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dist = (file: string) => path.join(ROOT, "dist", file);
const names = entries.map((e) => e.name);

/** Which bundle may contain a source file, written out here rather than taken from the build. */
function allowedOwner(file: string): string | undefined {
  if (file === "core/validate.ts") return "validate";
  if (file === "adapters/powertools/middleware.ts") return "powertools-middleware";
  if (file === "adapters/runtime/bootstrap.ts") return "bootstrap";
  const dirs: Record<string, string> = {
    "core/": "index",
    "adapters/host/": "index",
    "adapters/udp/": "udp",
    "adapters/context/": "context",
    "adapters/lambda/": "lambda",
    "adapters/fetch/": "fetch",
    "adapters/aws-sdk/": "aws-sdk",
    "adapters/runtime/": "runtime",
    "adapters/xray-api/": "xray-api",
    "adapters/http/": "http",
    "adapters/workers/": "workers",
    "adapters/sdk-core/": "sdk-core",
    "adapters/powertools/": "powertools",
  };
  return Object.entries(dirs).find(([dir]) => file.startsWith(dir))?.[1];
}

type Metafile = { outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
/** Every bundle, relative to dist/: each subpath's, its internal file where it has one, the runtime's. */
const bundles = [
  ...names.flatMap((n) => [`${n}.js`, `${n}.cjs`]),
  "bootstrap.js",
  ...readdirSync(path.join(ROOT, "dist")).filter((f) => /\.internal\.c?js$/.test(f)),
];
const ownerOfBundle = (bundle: string) => bundle.replace(/(\.internal)?\.c?js$/, "");

test("every bundle has a metafile, and holds only the source files it owns", () => {
  assert.ok(bundles.includes("context.internal.js") && bundles.includes("lambda.internal.cjs"), "internal files built");
  for (const bundle of bundles) {
    const meta = JSON.parse(readFileSync(path.join(ROOT, "build/meta", `${bundle}.json`), "utf8")) as Metafile;
    const [output] = Object.values(meta.outputs);
    const foreign = Object.entries(output!.inputs)
      .filter(([file, v]) => v.bytesInOutput > 0 && !file.endsWith("-internal.ts") && allowedOwner(file) !== ownerOfBundle(bundle))
      .map(([file]) => file);
    assert.equal(foreign, [], `${bundle} embeds code it does not own`);
  }
});

test("each subpath's file runs its entry: the host platform set, the settings checked at import", () => {
  for (const { name, source } of entries)
    for (const ext of ["js", "cjs"]) {
      const meta = JSON.parse(readFileSync(path.join(ROOT, "build/meta", `${name}.${ext}.json`), "utf8")) as Metafile;
      const [output] = Object.values(meta.outputs);
      const body = output!.inputs[source]?.bytesInOutput ?? 0;
      // An entry that calls something at its top level (loadSettings(); setDefaultPlatform(…);).
      const runsAtImport = /^[A-Za-z_$][\w$.]*\(.*\);/m.test(readFileSync(path.join(ROOT, source), "utf8"));
      if (runsAtImport) assert.ok(body > 0, `${name}.${ext}: ${source}'s body`);
    }
  for (const file of ["index.js", "index.cjs"])
    assert.match(readFileSync(dist(file), "utf8"), /\/dev\/urandom/, `${file}: the host platform`);
});

test("a bundle imports the others by their files in dist/, of its own format", () => {
  for (const bundle of bundles) {
    const text = readFileSync(dist(bundle), "utf8");
    const ext = bundle.endsWith(".cjs") ? ".cjs" : ".js";
    const specifiers = [...text.matchAll(/(?:from\s*|require\(|import\()\s*"(\.[^"]*)"/g)].map((m) => m[1]!);
    for (const s of specifiers) {
      const name = /^\.\/([a-z-]+)(\.internal)?$/.exec(s.slice(0, -ext.length))?.[1];
      assert.ok(s.endsWith(ext) && name !== undefined && names.includes(name), `${bundle} imports ${s}`);
      assert.ok(existsSync(dist(s)), `${bundle}: ${s} exists`);
    }
  }
  assert.match(readFileSync(dist("lambda.internal.js"), "utf8"), /from\s*"\.\/udp\.js"/, "lambda's code imports the UDP client");
  assert.match(readFileSync(dist("lambda.cjs"), "utf8"), /require\("\.\/context\.internal\.cjs"\)/, "lambda.cjs requires the context");
});

test("the context's registry and the embedded wasm are each in one file of each format", () => {
  const holders = (pattern: RegExp) => bundles.filter((f) => pattern.test(readFileSync(dist(f), "utf8"))).sort();
  assert.equal(holders(/Symbol\.for\("xray-edge\.context"\)/), ["context.internal.cjs", "context.internal.js"]);
  // The wasm is the one long base64 literal.
  assert.equal(holders(/"[A-Za-z0-9+/]{10000,}={0,2}"/), ["index.cjs", "index.js"]);
});

test("each subpath exports the same names by import and by require", async () => {
  const require = createRequire(import.meta.url);
  for (const name of names) {
    const esm = Object.keys(await import(dist(`${name}.js`))).sort();
    const cjs = Object.keys(require(dist(`${name}.cjs`)))
      .filter((k) => k !== "__esModule")
      .sort();
    assert.equal(esm, cjs, name);
    assert.ok(esm.length > 0, name);
  }
});

test("every subpath's minified bundle is within its budget (scripts/budgets.json)", () => {
  assert.equal(Object.keys(budgets.subpaths).sort(), [...names].sort(), "one budget per entry");
  const over: string[] = [];
  for (const name of names) {
    const internal = dist(`${name}.internal.js`);
    const size = readFileSync(dist(`${name}.js`)).length + (existsSync(internal) ? readFileSync(internal).length : 0);
    const budget = (budgets.subpaths as Record<string, number>)[name]!;
    console.log(`  ${name} ${size} bytes (budget ${budget})`);
    if (size > budget) over.push(`${name}: ${size} > ${budget}`);
  }
  assert.equal(over, []);
});

test("the handler bundle (lambda, fetch, aws-sdk) is within its budget and carries each file once", async () => {
  const imports = `import { traceHandler } from "./dist/lambda.js"; import { instrumentFetch } from "./dist/fetch.js"; import { captureAwsClient } from "./dist/aws-sdk.js";
export const handler = traceHandler(async () => { instrumentFetch(); captureAwsClient({}); return 1; });`;
  const r = await build({
    stdin: { contents: imports, resolveDir: ROOT, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    external: ["@aws-sdk/*"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const [output] = Object.values(r.metafile.outputs);
  const inputs = Object.keys(output!.inputs).sort();
  // Each subpath's file, with its .internal one where it has one (context's and udp's add nothing
  // here but what lambda's code imports).
  const files = ["aws-sdk.internal.js", "aws-sdk.js", "context.internal.js", "fetch.internal.js", "fetch.js"].concat([
    "index.js",
    "lambda.internal.js",
    "lambda.js",
    "udp.js",
  ]);
  assert.equal(inputs, ["<stdin>", ...files.map((f) => `dist/${f}`)]);
  console.log(`  handler bundle ${output!.bytes} bytes (budget ${budgets.handler})`);
  assert.ok(output!.bytes <= budgets.handler, `handler bundle ${output!.bytes} > ${budgets.handler}`);
});

test.run();
