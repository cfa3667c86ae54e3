/**
 * Issue 14, point 3: no bundle carries another's code, and each has a size budget. Read from what
 * `npm run build` leaves: dist/ and the esbuild metafiles in build/meta/ (one per bundle). Sizes are
 * deterministic for one esbuild version; times are left to the benchmarks.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
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

type Metafile = { inputs: Record<string, unknown>; outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }> };
const bundles = [...names.flatMap((n) => [`${n}.js`, `${n}.cjs`]), "bootstrap.js"];

test("every bundle has a metafile, and holds only the source files it owns", () => {
  const metas = new Set(readdirSync(path.join(ROOT, "build/meta")));
  for (const bundle of bundles) {
    assert.ok(metas.has(`${bundle}.json`), `build/meta/${bundle}.json`);
    const meta = JSON.parse(readFileSync(path.join(ROOT, "build/meta", `${bundle}.json`), "utf8")) as Metafile;
    const owner = bundle.replace(/\.c?js$/, "");
    const [output] = Object.values(meta.outputs);
    const foreign = Object.entries(output!.inputs)
      .filter(([file, v]) => v.bytesInOutput > 0 && !file.endsWith("-entry.ts") && allowedOwner(file) !== owner)
      .map(([file]) => file);
    assert.equal(foreign, [], `${bundle} embeds code it does not own`);
  }
});

test("a bundle imports the others by their file beside it, never by a source path", () => {
  for (const bundle of bundles) {
    const text = readFileSync(dist(bundle), "utf8");
    const ext = bundle.endsWith(".cjs") ? "cjs" : "js";
    const specifiers = [...text.matchAll(/(?:from\s*|require\(|import\()\s*"(\.[^"]*)"/g)].map((m) => m[1]!);
    for (const s of specifiers)
      assert.ok(names.includes(s.slice(2, -ext.length - 1)) && s.startsWith("./") && s.endsWith(`.${ext}`), `${bundle} imports ${s}`);
  }
  assert.match(readFileSync(dist("lambda.js"), "utf8"), /from\s*"\.\/udp\.js"/, "lambda.js imports the UDP client");
  assert.match(readFileSync(dist("lambda.cjs"), "utf8"), /require\("\.\/context\.cjs"\)/, "lambda.cjs requires the context");
});

test("the context's registry and the embedded wasm are each in one bundle only", () => {
  const holders = (pattern: RegExp) =>
    readdirSync(path.join(ROOT, "dist"))
      .filter((f) => /\.c?js$/.test(f) && pattern.test(readFileSync(dist(f), "utf8")))
      .sort();
  assert.equal(holders(/Symbol\.for\("xray-edge\.context"\)/), ["context.cjs", "context.js"]);
  // The wasm is the one long base64 literal; the command (dist/bin) is one file by design.
  assert.equal(holders(/"[A-Za-z0-9+/]{10000,}={0,2}"/), ["index.cjs", "index.js"]);
});

test("every subpath's minified bundle is within its budget (scripts/budgets.json)", () => {
  assert.equal(Object.keys(budgets.subpaths).sort(), [...names].sort(), "one budget per entry");
  const over: string[] = [];
  for (const name of names) {
    const size = readFileSync(dist(`${name}.js`)).length;
    const budget = (budgets.subpaths as Record<string, number>)[name]!;
    console.log(`  ${name}.js ${size} bytes (budget ${budget})`);
    if (size > budget) over.push(`${name}.js: ${size} > ${budget}`);
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
  assert.equal(inputs, ["<stdin>", ...["aws-sdk", "context", "fetch", "index", "lambda", "udp"].map((n) => `dist/${n}.js`)]);
  console.log(`  handler bundle ${output!.bytes} bytes (budget ${budgets.handler})`);
  assert.ok(output!.bytes <= budgets.handler, `handler bundle ${output!.bytes} > ${budgets.handler}`);
});

test.run();
