/**
 * The custom-runtime layers as Lambda runs them: `xray-edge layer bun deno` builds the zips, each is
 * unpacked into a temporary folder with the modes its entries carry, and its real `bootstrap` runs
 * the fixture function under `xray-edge invoke`'s emulator (Node runs dist/bootstrap.js, the same
 * loop). Documents go to a UDP listener here and are validated.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startEmulator, type EmulatorOptions } from "../../bin/invoke/emulator.ts";
import { validateDocument } from "../../core/validate.ts";
import { unpackZip, zipModes } from "./zip-modes.ts";

const ROOT = join(import.meta.dirname, "../..");
const FIXTURES = join(ROOT, "test/layers/fixtures");
const DAEMON_HEADER = '{"format": "json", "version": 1}\n';
const dir = mkdtempSync(join(tmpdir(), "xray-layers-"));

// The user cache pointed at a folder of the test's: the builder takes the binaries npm installed
// (node_modules/bun, node_modules/deno are these versions for this machine) and fetches nothing.
const userCache = join(dir, "user-cache");
const built = spawnSync(process.execPath, [join(ROOT, "dist/bin/xray-edge.js"), "layer", "bun", "deno", "--out", dir], {
  encoding: "utf8",
  env: { ...process.env, XDG_CACHE_HOME: userCache },
});
if (built.status !== 0) throw new Error(`layer build failed: ${built.stderr}`);

const commands: Record<string, string[]> = { node: [process.execPath, join(ROOT, "dist/bootstrap.js")] };
for (const runtime of ["bun", "deno"]) {
  unpackZip(join(dir, `xray-edge-${runtime}-x64.zip`), join(dir, runtime));
  commands[runtime] = [join(dir, runtime, "bootstrap")];
}

async function listen() {
  const socket = dgram.createSocket("udp4");
  const documents: Record<string, any>[] = [];
  socket.on("message", (m) => {
    const text = m.toString("utf8");
    if (text.startsWith(DAEMON_HEADER)) documents.push(JSON.parse(text.slice(DAEMON_HEADER.length)));
  });
  await new Promise<void>((r) => socket.bind(0, "127.0.0.1", () => r()));
  return { address: `127.0.0.1:${socket.address().port}`, documents, close: () => socket.close() };
}

const settle = () => new Promise((r) => setTimeout(r, 150));

test("each zip: an executable bootstrap at its root, the runtime binary, the loop; the printed sizes", () => {
  for (const runtime of ["bun", "deno"]) {
    const modes = zipModes(readFileSync(join(dir, `xray-edge-${runtime}-x64.zip`)));
    assert.is(modes.get("bootstrap")! & 0o111, 0o111, `${runtime}: bootstrap executable`);
    assert.is(modes.get(`bin/${runtime}`)! & 0o111, 0o111, `${runtime}: binary executable`);
    assert.ok(modes.has("runtime/bootstrap.js") && modes.has("runtime/index.js"), [...modes.keys()].join(", "));
    assert.match(built.stdout, new RegExp(`xray-edge-${runtime}-x64\\.zip\\s+\\d+\\.\\d MB \\(\\d+\\.\\d MiB\\)`));
  }
  if (process.platform === "linux" && process.arch === "x64") assert.not.ok(existsSync(userCache), "nothing fetched into the user cache");
  const version = spawnSync(join(dir, "bun/bin/bun"), ["--version"], { encoding: "utf8" });
  assert.is(version.stdout.trim(), JSON.parse(readFileSync(join(ROOT, "node_modules/bun/package.json"), "utf8")).version);
});

for (const runtime of ["node", "bun", "deno"]) {
  const emulator = (daemon: string, options: Partial<EmulatorOptions> = {}) =>
    startEmulator({
      command: commands[runtime]!,
      taskRoot: FIXTURES,
      handler: "app.handler",
      daemonAddress: daemon,
      functionSegment: false,
      quiet: true,
      ...options,
    });

  test(`${runtime}: responses, errors and rejections; a missing header and Sampled=0 send nothing; 50 invocations validated, memory flat`, async () => {
    const daemon = await listen();
    const e = await emulator(daemon.address, { timeoutMs: 10_000 });
    try {
      const ok = await e.invoke({ action: "echo", payload: [1, "two"] });
      assert.is(ok.status, "success", JSON.stringify(ok));
      assert.equal(ok.response, { echo: [1, "two"] });
      const thrown = await e.invoke({ action: "throw", message: "bad input" });
      assert.is(thrown.status, "error");
      assert.is(thrown.error?.errorType, "TypeError");
      assert.is(thrown.error?.errorMessage, "bad input");
      const rejected = await e.invoke({ action: "reject", message: "too far" });
      assert.is(rejected.error?.errorType, "RangeError");
      await settle();
      assert.is(daemon.documents.length, 3);
      const [okDoc, thrownDoc] = daemon.documents;
      assert.is(okDoc!.name, "## app.handler");
      assert.is(okDoc!.trace_id, /Root=([^;]+)/.exec(ok.traceHeader!)![1]);
      assert.is(okDoc!.parent_id, /Parent=([^;]+)/.exec(ok.traceHeader!)![1]);
      assert.is(thrownDoc!.fault, true);
      assert.is(thrownDoc!.cause.exceptions[0].type, "TypeError");

      const missing = await e.invoke({ action: "header" }, { traceHeader: null });
      assert.equal(missing.response, { header: null });
      const unsampled = await e.invoke({ action: "header" }, { sampled: "0" });
      assert.match((unsampled.response as { header: string }).header, /;Sampled=0$/);
      await settle();
      assert.is(daemon.documents.length, 3, "nothing sent without a header or with Sampled=0");

      const rss: number[] = [];
      for (let i = 0; i < 50; i++) {
        const r = await e.invoke({ action: "memory" });
        assert.is(r.status, "success", JSON.stringify(r));
        rss.push((r.response as { rss: number }).rss);
      }
      await settle();
      assert.is(daemon.documents.length, 53);
      for (const doc of daemon.documents) assert.equal(validateDocument(doc), [], JSON.stringify(doc).slice(0, 300));
      assert.is(new Set(daemon.documents.map((d) => d.trace_id)).size, 53, "one trace per invocation");
      const growth = rss[49]! - rss[9]!;
      assert.ok(growth < 16 * 1024 * 1024, `RSS grew ${(growth / 1048576).toFixed(1)} MB from invocation 10 to 50`);
    } finally {
      await e.close();
      daemon.close();
    }
  });

  test(`${runtime}: a deadline exceeded ends the invocation and the next one runs on a fresh process`, async () => {
    const daemon = await listen();
    const e = await emulator(daemon.address, { timeoutMs: 1500 });
    try {
      const slow = await e.invoke({ action: "sleep", ms: 5000 });
      assert.is(slow.status, "timeout", JSON.stringify(slow));
      const next = await e.invoke({ action: "echo", payload: "after" });
      assert.is(next.status, "success", JSON.stringify(next));
      assert.is.not(next.pid, slow.pid);
    } finally {
      await e.close();
      daemon.close();
    }
  });

  test(`${runtime}: init errors of each kind are reported with their types`, async () => {
    const daemon = await listen();
    const cases: [string, string][] = [
      ["nosuchfile.handler", "Runtime.ImportModuleError"],
      ["app.nothere", "Runtime.HandlerNotFound"],
      ["nodot", "Runtime.MalformedHandlerName"],
      ["syntax.handler", "Runtime.UserCodeSyntaxError"],
      ["throws.handler", "URIError"],
    ];
    try {
      for (const [handler, type] of cases) {
        const e = await emulator(daemon.address, { handler, timeoutMs: 10_000 });
        try {
          const r = await e.invoke({ action: "echo" });
          assert.is(r.status, "init error", `${handler}: ${JSON.stringify(r)}`);
          assert.is(r.initError?.errorType, type, `${handler}: ${JSON.stringify(r.initError)}`);
        } finally {
          await e.close();
        }
      }
    } finally {
      daemon.close();
    }
  });
}

/** A function folder in the temporary folder, from `files` (path → content). */
function functionFolder(name: string, files: Record<string, string>): string {
  const root = join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  }
  return root;
}

const denoEmulator = (taskRoot: string, env: Record<string, string> = {}) =>
  startEmulator({ command: commands.deno!, taskRoot, handler: "app.handler", functionSegment: false, quiet: true, timeoutMs: 20_000, env });

test("deno layer: a handler importing an npm package from the function's node_modules (bare and npm: specifiers)", async () => {
  const taskRoot = functionFolder("fn-npm", {
    "package.json": JSON.stringify({ name: "fn", type: "module", dependencies: { "tiny-shout": "1.0.0" } }),
    "node_modules/tiny-shout/package.json": JSON.stringify({ name: "tiny-shout", version: "1.0.0", type: "module", exports: "./index.js" }),
    "node_modules/tiny-shout/index.js": "export const shout = (s) => `${s.toUpperCase()}!`;\n",
    "app.mjs":
      'import { shout } from "tiny-shout";\nimport { shout as again } from "npm:tiny-shout";\nexport const handler = async (e) => ({ said: shout(e.word), same: shout === again });\n',
  });
  const e = await denoEmulator(taskRoot);
  try {
    const r = await e.invoke({ word: "hello" });
    assert.is(r.status, "success", JSON.stringify(r));
    assert.equal(r.response, { said: "HELLO!", same: true });
  } finally {
    await e.close();
  }
});

test("deno layer: the function's deno.json is its config (an import map entry resolves)", async () => {
  const taskRoot = functionFolder("fn-denojson", {
    "deno.json": JSON.stringify({ imports: { "#greet": "./lib/greet.js" } }),
    "lib/greet.js": "export const greet = (n) => `hello ${n}`;\n",
    "app.mjs": 'import { greet } from "#greet";\nexport const handler = async (e) => greet(e.name);\n',
  });
  const e = await denoEmulator(taskRoot);
  try {
    const r = await e.invoke({ name: "deno" });
    assert.is(r.status, "success", JSON.stringify(r));
    assert.is(r.response, "hello deno");
  } finally {
    await e.close();
  }
});

test("deno layer: an ESM bundle of the AWS SDK made with the README's esbuild command runs", async () => {
  const taskRoot = join(dir, "fn-sdk");
  const bundled = spawnSync(
    join(ROOT, "node_modules/.bin/esbuild"),
    [
      join(FIXTURES, "sdk-app.mjs"),
      "--bundle",
      "--format=esm",
      "--platform=node",
      "--main-fields=module,main",
      `--outfile=${join(taskRoot, "app.mjs")}`,
      "--log-level=warning",
    ],
    { encoding: "utf8", cwd: ROOT },
  );
  assert.is(bundled.status, 0, bundled.stderr);
  // A stand-in for DynamoDB's ListTables on a local port.
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(String(req.headers["x-amz-target"]));
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ TableNames: ["orders"] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  const e = await denoEmulator(taskRoot, {
    DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: "AKIDTEST",
    AWS_SECRET_ACCESS_KEY: "test-secret",
  });
  try {
    const r = await e.invoke({});
    assert.is(r.status, "success", JSON.stringify(r));
    assert.equal(r.response, { tables: ["orders"] });
    assert.equal(requests, ["DynamoDB_20120810.ListTables"]);
  } finally {
    await e.close();
    server.close();
  }
});

// Sizes are deterministic for the pinned Bun and Deno versions (the binaries npm installed here,
// the fixed deflate level and date): this fails the day an upgrade pushes a zip over the limit,
// which is when to decide how it is published (the README says S3 for a zip over it).
test("bun and deno x64 zips: under Lambda's direct-upload limit (50 MiB, base64 in the request)", () => {
  for (const runtime of ["bun", "deno"]) {
    const bytes = statSync(join(dir, `xray-edge-${runtime}-x64.zip`)).size;
    assert.ok(bytes <= 50 * 1024 * 1024, `${runtime}: ${bytes} bytes`);
  }
  assert.not.match(built.stdout, /over Lambda's 50 MiB direct-upload limit/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
