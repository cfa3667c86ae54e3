/**
 * Issue 16, point 5: what `npm pack` makes is a package that installs and works. The repository
 * is packed once (with --ignore-scripts: `npm test` has just built it, and prepack, checked to run
 * the build, would only build it again), installed into a fresh project from the tarball with no
 * network, and used there as a user would: every subpath by import and by require, the command's
 * --version, and `invoke --runtime bun` finding Bun in the user's cache (seeded here with the
 * repository's own Bun, as a first run would have fetched it) rather than in the package.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import entries from "../../scripts/entries.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
  version: string;
  scripts: Record<string, string>;
  files: string[];
};
const tmp = mkdtempSync(path.join(os.tmpdir(), "xray-edge-pack-"));
const app = path.join(tmp, "app");
/** PATH with only the Node running the tests: no Bun or Deno the machine may have. */
const NODE_ONLY_PATH = path.dirname(process.execPath);

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const result = spawnSync(cmd, args, {
    cwd: options.cwd ?? ROOT,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...options.env },
  });
  return { code: result.status, out: result.stdout ?? "", err: `${result.stderr ?? ""}${result.error ? String(result.error) : ""}` };
}

test("prepack builds, so a pack from a clean clone (or a git install) has the build", () => {
  assert.match(manifest.scripts.prepack ?? "", /^(npm run build|node scripts\/build\.mjs)$/);
});

// One pack for the tests below.
const packed = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp]);
if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.err}`);
const report = JSON.parse(packed.out.slice(packed.out.indexOf("["))) as Array<{ filename: string; files: Array<{ path: string }> }>;
const tarball = path.join(tmp, report[0]!.filename);
const files = report[0]!.files.map((f) => f.path);

test("the tarball holds the bundles, the command, the types, the docs and the README; not tests or layers", () => {
  for (const { name } of entries) {
    assert.ok(files.includes(`dist/${name}.js`), `dist/${name}.js`);
    assert.ok(files.includes(`dist/${name}.cjs`), `dist/${name}.cjs`);
  }
  for (const file of ["dist/bin/xray-edge.js", "dist/bootstrap.js", "dist/workerd/core.wasm", "README.md", "LICENSE"]) {
    assert.ok(files.includes(file), file);
  }
  const docs = readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md"));
  assert.ok(docs.length > 0);
  for (const doc of docs) assert.ok(files.includes(`docs/${doc}`), `docs/${doc} ships (the README links it)`);
  assert.ok(files.some((f) => f.startsWith("dist/types/")));
  assert.not.ok(
    files.some((f) => /^(test|bench|core\/assembly|dist\/layers)\//.test(f) || f.includes("node_modules")),
    files.join(" "),
  );
});

// The fresh project. Offline: aws4fetch (the one dependency) comes from npm's cache, which the
// repository's own `npm ci` filled; where it is not there, from the repository's installed copy.
mkdirSync(app, { recursive: true });
writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", version: "1.0.0", private: true }));
const npmInstall = (...specs: string[]) => run("npm", ["install", "--offline", "--no-audit", "--no-fund", ...specs], { cwd: app });
let installed = npmInstall(tarball);
if (installed.code !== 0 && /ENOTCACHED|offline/i.test(installed.err)) {
  const dep = run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp, path.join(ROOT, "node_modules/aws4fetch")]);
  const depTarball = path.join(tmp, (JSON.parse(dep.out.slice(dep.out.indexOf("["))) as Array<{ filename: string }>)[0]!.filename);
  installed = npmInstall(tarball, depTarball);
}
if (installed.code !== 0) throw new Error(`npm install of the tarball failed: ${installed.err}`);

test("every subpath loads by import and by require in the fresh project, and exports something", () => {
  const subpaths = entries.map(({ subpath }) => (subpath === "." ? "xray-edge" : `xray-edge/${subpath.slice(2)}`));
  const check = (load: string) =>
    `const names = {}; for (const s of ${JSON.stringify(subpaths)}) { const m = ${load}; names[s] = Object.keys(m).length; } console.log(JSON.stringify(names));`;
  const esm = run(process.execPath, ["--input-type=module", "-e", check("await import(s)")], { cwd: app });
  assert.is(esm.code, 0, esm.err);
  const cjs = run(process.execPath, ["-e", check("require(s)")], { cwd: app });
  assert.is(cjs.code, 0, cjs.err);
  for (const [kind, out] of [
    ["import", esm.out],
    ["require", cjs.out],
  ] as const) {
    const counts = JSON.parse(out) as Record<string, number>;
    assert.equal(Object.keys(counts).sort(), [...subpaths].sort(), kind);
    for (const [s, n] of Object.entries(counts)) assert.ok(n > 0, `${kind} ${s}: exports ${n} names`);
  }
  // The functions the README's first example uses.
  const first = run(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { traceHandler } from "xray-edge/lambda"; import { instrumentFetch } from "xray-edge/fetch"; import { captureAwsClient } from "xray-edge/aws-sdk";
       console.log([traceHandler, instrumentFetch, captureAwsClient].map((f) => typeof f).join(","));`,
    ],
    { cwd: app },
  );
  assert.is(first.out.trim(), "function,function,function", first.err);
});

test("the installed command: xray-edge --version prints the package's version", () => {
  const bin = path.join(app, "node_modules/.bin/xray-edge");
  const version = run(bin, ["--version"], { cwd: app });
  assert.is(version.code, 0, version.err);
  assert.is(version.out, `${manifest.version}\n`);
  const help = run(bin, ["--help"], { cwd: app });
  assert.match(help.out, /--version/);
});

if (process.platform === "linux" && process.arch === "x64") {
  test("installed, `invoke --runtime bun` with no Bun in the project or on PATH runs the tested Bun from the user cache", () => {
    const bunVersion = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/bun/package.json"), "utf8")) as { version: string }).version;
    const xdg = path.join(tmp, "xdg");
    const cached = path.join(xdg, "xray-edge", `@oven__bun-linux-x64-${bunVersion}`, "package/bin/bun");
    mkdirSync(path.dirname(cached), { recursive: true });
    symlinkSync(path.join(ROOT, "node_modules/bun/bin/bun.exe"), cached);
    const fn = path.join(app, "fn");
    mkdirSync(fn, { recursive: true });
    // The handler imports the installed package by name, as a function of the project would.
    writeFileSync(
      path.join(fn, "app.mjs"),
      `import { traceHandler } from "xray-edge/lambda";\nexport const handler = traceHandler(async (event) => ({ got: event.n, runtime: typeof Bun }));\n`,
    );
    const result = run(
      path.join(app, "node_modules/.bin/xray-edge"),
      ["invoke", "--handler", "app.handler", "--task-root", fn, "--runtime", "bun", "--json", "--event", '{"n":7}'],
      { cwd: app, env: { PATH: NODE_ONLY_PATH, XDG_CACHE_HOME: xdg } },
    );
    assert.is(result.code, 0, result.err);
    const line = JSON.parse(result.out.trim()) as { status: string; response: { got: number; runtime: string } };
    assert.equal(line.response, { got: 7, runtime: "object" });
    assert.not.match(result.err, /fetching/, "the cached binary is used, nothing fetched");
    assert.not.ok(existsSync(path.join(app, "node_modules/xray-edge/node_modules")), "nothing cached inside the package");
  });
}

/** The first TypeScript block of the README: the traced handler it opens with. */
function readmeHandler(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("no ```ts block in the README");
  return block;
}

if (process.platform === "linux" && process.arch === "x64") {
  test("the README's first handler, as written, runs from the installed package and sends its trace", async () => {
    const code = readmeHandler();
    for (const name of ["traceHandler", "instrumentFetch", "captureAwsClient"]) assert.match(code, new RegExp(`\\b${name}\\b`));
    // Only the host of its fetch is changed, for a local server: tests never reach the network.
    assert.match(code, /https:\/\/inventory\.example\.com/);
    const fn = path.join(app, "readme-fn");
    mkdirSync(fn, { recursive: true });
    // The AWS SDK from the repository's node_modules (its own dependencies resolve there too).
    mkdirSync(path.join(app, "node_modules", "@aws-sdk"), { recursive: true });
    const sdk = path.join(app, "node_modules", "@aws-sdk", "client-dynamodb");
    if (!existsSync(sdk)) symlinkSync(path.join(ROOT, "node_modules/@aws-sdk/client-dynamodb"), sdk);

    const { createServer } = await import("node:http");
    const dgram = await import("node:dgram");
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${String(req.headers["x-amz-target"] ?? "")}`);
      req.resume();
      req.on("end", () => {
        if (req.headers["x-amz-target"] === "DynamoDB_20120810.GetItem") {
          res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify({ Item: { id: { S: "7" } } }));
        } else {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("in stock");
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    writeFileSync(path.join(fn, "app.ts"), code.replaceAll("https://inventory.example.com", base));

    const socket = dgram.createSocket("udp4");
    const documents: Array<Record<string, any>> = [];
    socket.on("message", (m) => {
      const text = m.toString("utf8");
      documents.push(JSON.parse(text.slice(text.indexOf("\n") + 1)));
    });
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
    const daemon = `127.0.0.1:${socket.address().port}`;
    try {
      // Bun runs the .ts as it is (the README says so); the installed command finds Bun on PATH.
      const bunDir = path.join(tmp, "bun-on-path");
      mkdirSync(bunDir, { recursive: true });
      if (!existsSync(path.join(bunDir, "bun"))) symlinkSync(path.join(ROOT, "node_modules/bun/bin/bun.exe"), path.join(bunDir, "bun"));
      const { spawn } = await import("node:child_process");
      const child = spawn(
        path.join(app, "node_modules/.bin/xray-edge"),
        [
          "invoke",
          "--handler",
          "app.handler",
          "--task-root",
          fn,
          "--runtime",
          "bun",
          "--json",
          "--quiet",
          // As deployed with Tracing: Active: the first request is in the reservoir, so sampled.
          "--tracing",
          "active",
          "--daemon-address",
          daemon,
          "--event",
          '{"id":"7"}',
          "--env",
          `AWS_ENDPOINT_URL=${base}`,
          "--env",
          "AWS_ACCESS_KEY_ID=AKIDTEST",
          "--env",
          "AWS_SECRET_ACCESS_KEY=test-secret",
        ],
        { cwd: app, env: { ...process.env, PATH: `${bunDir}${path.delimiter}${NODE_ONLY_PATH}` }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
      const exit = await new Promise<number | null>((resolve) => child.on("close", resolve));
      assert.is(exit, 0, err);
      const line = JSON.parse(out.trim()) as { response: unknown; traceId: string };
      assert.equal(line.response, { order: { id: { S: "7" } }, inStock: true });
      assert.ok(
        seen.some((r) => r.endsWith("DynamoDB_20120810.GetItem")),
        seen.join("; "),
      );
      assert.ok(
        seen.some((r) => r.startsWith("GET /items/7 ")),
        seen.join("; "),
      );
      // The trace: the handler's segment with a DynamoDB GetItem and a remote fetch under it.
      const until = Date.now() + 10_000;
      const all = () =>
        documents.flatMap(function walk(d): Array<Record<string, any>> {
          return [d, ...((d.subsegments as Array<Record<string, any>> | undefined) ?? []).flatMap(walk)];
        });
      while (
        !(all().some((d) => d.aws?.operation === "GetItem") && all().some((d) => d.namespace === "remote" && d.name === "127.0.0.1"))
      ) {
        if (Date.now() > until) throw new Error(`trace incomplete: ${JSON.stringify(documents).slice(0, 1500)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(
        documents.every((d) => d.trace_id === line.traceId),
        "one trace, the one invoke reported",
      );
    } finally {
      socket.close();
      server.close();
    }
  });
}

test.run();
