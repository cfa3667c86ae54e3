/**
 * Issue 16, point 6: where `invoke --runtime bun|deno` finds its runtime (the project's
 * node_modules/.bin, then PATH, then the tested version in the user's cache, fetched from npm
 * only when missing: the tests seed the cache instead), the user cache folder per platform, and
 * the variables Lambda sets that the runtime gets (AWS_EXECUTION_ENV for a Node function, none for
 * provided.al2023, whose AWS_EXECUTION_ENV Lambda leaves unset).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findRuntime } from "../../bin/invoke/runtime-command.ts";
import { executionEnvironment, lambdaEnvironment } from "../../bin/invoke/environment.ts";
import { npmPackageFile, userCacheDir } from "../../bin/npm-package.ts";
import { ROOT, runCli } from "./helpers.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "xray-edge-find-runtime-"));
const BUN_VERSION = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/bun/package.json"), "utf8")) as { version: string }).version;

/** An executable file at `file` (a shell script: only its path matters here). */
function executable(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, "#!/bin/sh\nexit 0\n");
  chmodSync(file, 0o755);
  return file;
}

/** An xray-edge package folder as npm installs it: its package.json, no node_modules of its own. */
function fakePackageRoot(name: string): string {
  const root = path.join(tmp, name, "xray-edge");
  mkdirSync(root, { recursive: true });
  writeFileSync(
    path.join(root, "package.json"),
    JSON.stringify({ name: "xray-edge", devDependencies: { bun: BUN_VERSION, deno: "2.9.5" } }),
  );
  return root;
}

test("the user cache: $XDG_CACHE_HOME/xray-edge (absolute only), else the platform's folder", () => {
  assert.is(userCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "linux", "/home/u"), "/x/cache/xray-edge");
  assert.is(userCacheDir({ XDG_CACHE_HOME: "/x/cache" }, "darwin", "/Users/u"), "/x/cache/xray-edge");
  assert.is(userCacheDir({ XDG_CACHE_HOME: "relative/cache" }, "linux", "/home/u"), "/home/u/.cache/xray-edge");
  assert.is(userCacheDir({}, "linux", "/home/u"), "/home/u/.cache/xray-edge");
  assert.is(userCacheDir({ XDG_CACHE_HOME: "" }, "linux", "/home/u"), "/home/u/.cache/xray-edge");
  assert.is(userCacheDir({}, "darwin", "/Users/u"), "/Users/u/Library/Caches/xray-edge");
  assert.is(
    userCacheDir({ LOCALAPPDATA: "C:\\Users\\u\\AppData\\Local" }, "win32", "C:\\Users\\u"),
    "C:\\Users\\u\\AppData\\Local\\xray-edge\\Cache",
  );
});

test("the project's node_modules/.bin comes first, found from the task root upwards", () => {
  const project = path.join(tmp, "project");
  const bin = executable(path.join(project, "node_modules/.bin/bun"));
  const taskRoot = path.join(project, "src/functions");
  mkdirSync(taskRoot, { recursive: true });
  const onPath = executable(path.join(tmp, "path-dir/bun"));
  const found = findRuntime("bun", { root: fakePackageRoot("p1"), from: [taskRoot], env: { PATH: path.dirname(onPath) } });
  assert.equal(found, { file: bin, source: "project" });
});

test("an installed xray-edge finds the runtime in the project that installed it (node_modules/.bin beside it)", () => {
  const project = path.join(tmp, "installed");
  const root = path.join(project, "node_modules", "xray-edge");
  mkdirSync(root, { recursive: true });
  writeFileSync(path.join(root, "package.json"), '{"name":"xray-edge"}');
  const bin = executable(path.join(project, "node_modules/.bin/deno"));
  const elsewhere = path.join(tmp, "elsewhere");
  mkdirSync(elsewhere, { recursive: true });
  assert.equal(findRuntime("deno", { root, from: [elsewhere], env: { PATH: "" } }), { file: bin, source: "project" });
});

test("then PATH (absolute entries only; a non-executable file is passed over)", () => {
  const dirA = path.join(tmp, "path-a");
  mkdirSync(dirA, { recursive: true });
  writeFileSync(path.join(dirA, "deno"), "not executable");
  const onPath = executable(path.join(tmp, "path-b/deno"));
  const nowhere = path.join(tmp, "nowhere");
  mkdirSync(nowhere, { recursive: true });
  const found = findRuntime("deno", {
    root: fakePackageRoot("p2"),
    from: [nowhere],
    env: { PATH: ["relative/bin", dirA, path.dirname(onPath)].join(path.delimiter) },
  });
  assert.equal(found, { file: onPath, source: "PATH" });
});

if (process.platform === "linux" && process.arch === "x64") {
  test("else the tested version from the user's cache, fetched only when missing (here: seeded, so no download)", () => {
    const cacheDir = path.join(tmp, "xdg", "xray-edge");
    const seeded = executable(path.join(cacheDir, `@oven__bun-linux-x64-${BUN_VERSION}`, "package/bin/bun"));
    const nowhere = path.join(tmp, "nowhere2");
    mkdirSync(nowhere, { recursive: true });
    const fetches: string[] = [];
    const found = findRuntime("bun", {
      root: fakePackageRoot("p3"),
      from: [nowhere],
      env: { PATH: "" },
      cacheDir,
      onFetch: (what) => fetches.push(what),
    });
    assert.equal(found, { file: seeded, source: "npm" });
    assert.equal(fetches, [], "a cached binary is not fetched again");
  });
}

test("npmPackageFile fetches into the cache folder once (npm offline, from its own cache: a small package)", () => {
  const version = (JSON.parse(readFileSync(path.join(ROOT, "node_modules/aws4fetch/package.json"), "utf8")) as { version: string }).version;
  const cacheDir = path.join(tmp, "fetch-cache");
  const fetched: string[] = [];
  const saved = process.env.npm_config_offline;
  process.env.npm_config_offline = "true";
  try {
    const file = npmPackageFile("aws4fetch", version, "package/package.json", { cacheDir, onFetch: (dir) => fetched.push(dir) });
    assert.is(file, path.join(cacheDir, `aws4fetch-${version}`, "package/package.json"));
    assert.is((JSON.parse(readFileSync(file, "utf8")) as { version: string }).version, version);
    assert.equal(fetched, [cacheDir]);
    assert.equal(readdirSync(path.dirname(path.dirname(file))), ["package"], "the tarball is not kept");
    // The next time it is at hand: no npm call.
    assert.is(npmPackageFile("aws4fetch", version, "package/package.json", { cacheDir, onFetch: (dir) => fetched.push(dir) }), file);
    assert.is(fetched.length, 1);
    // An installed copy of that version comes first, and nothing is fetched for it.
    assert.is(
      npmPackageFile("aws4fetch", version, "package/package.json", { cacheDir: path.join(tmp, "unused"), installedIn: [ROOT] }),
      path.join(ROOT, "node_modules/aws4fetch/package.json"),
    );
    assert.not.ok(existsSync(path.join(tmp, "unused")));
  } finally {
    if (saved === undefined) delete process.env.npm_config_offline;
    else process.env.npm_config_offline = saved;
  }
});

test("a package npm cannot get: one line naming it and the cache folder, and no half-made folder left", () => {
  const cacheDir = path.join(tmp, "fail-cache");
  const saved = process.env.npm_config_offline;
  process.env.npm_config_offline = "true";
  try {
    assert.throws(
      () => npmPackageFile("xray-edge-no-such-package-for-tests", "0.0.1", "package/x", { cacheDir }),
      (e: Error) =>
        e.message.startsWith(`could not fetch xray-edge-no-such-package-for-tests@0.0.1 from npm into ${cacheDir}: `) &&
        !e.message.includes("\n"),
    );
    assert.equal(existsSync(cacheDir) ? readdirSync(cacheDir) : [], []);
  } finally {
    if (saved === undefined) delete process.env.npm_config_offline;
    else process.env.npm_config_offline = saved;
  }
});

test("AWS_EXECUTION_ENV: AWS_Lambda_nodejsN.x for Node, none for the provided.al2023 runtimes", () => {
  assert.is(executionEnvironment("node", "v22.23.3"), "AWS_Lambda_nodejs22.x");
  assert.is(executionEnvironment("node", "v20.20.2"), "AWS_Lambda_nodejs20.x");
  assert.is(executionEnvironment("bun"), undefined);
  assert.is(executionEnvironment("deno"), undefined);
  assert.is(executionEnvironment("bootstrap"), undefined);
});

test("the environment: Lambda's TZ, LANG, LOG_ERROR and the daemon in its three forms; --env still wins", () => {
  const base = { taskRoot: "/var/task", functionName: "f", memoryMb: 128, region: "eu-west-1", daemonAddress: "127.0.0.1:2999" };
  const env = lambdaEnvironment("127.0.0.1:9001", base);
  assert.is(env.TZ, ":UTC");
  assert.is(env.LANG, "en_US.UTF-8");
  assert.is(env.AWS_XRAY_CONTEXT_MISSING, "LOG_ERROR");
  assert.is(env.AWS_XRAY_DAEMON_ADDRESS, "127.0.0.1:2999");
  assert.is(env._AWS_XRAY_DAEMON_ADDRESS, "127.0.0.1");
  assert.is(env._AWS_XRAY_DAEMON_PORT, "2999");
  const split = lambdaEnvironment("127.0.0.1:9001", { ...base, daemonAddress: "tcp:127.0.0.1:3000 udp:127.0.0.2:2001" });
  assert.is(split._AWS_XRAY_DAEMON_ADDRESS, "127.0.0.2");
  assert.is(split._AWS_XRAY_DAEMON_PORT, "2001");
  const overridden = lambdaEnvironment("127.0.0.1:9001", { ...base, extra: { TZ: "Europe/Paris" } });
  assert.is(overridden.TZ, "Europe/Paris");
});

const envFixture = path.join(ROOT, "test/invoke/fixtures/env");

test("xray-edge invoke (Node): the handler sees AWS_EXECUTION_ENV, so Powertools Tracer stays on", async () => {
  const run = await runCli([
    "invoke",
    "--handler",
    "app.handler",
    "--task-root",
    envFixture,
    "--json",
    "--quiet",
    "--daemon-address",
    "127.0.0.1:2999",
  ]);
  assert.is(run.code, 0, run.err);
  const response = (JSON.parse(run.out.trim()) as { response: Record<string, string | null> }).response;
  assert.is(response.AWS_EXECUTION_ENV, `AWS_Lambda_nodejs${process.versions.node.split(".")[0]}.x`);
  assert.is(response.TZ, ":UTC");
  assert.is(response._AWS_XRAY_DAEMON_PORT, "2999");
  const overridden = await runCli([
    "invoke",
    "--handler",
    "app.handler",
    "--task-root",
    envFixture,
    "--json",
    "--quiet",
    "--env",
    "AWS_EXECUTION_ENV=mine",
  ]);
  assert.is(overridden.code, 0, overridden.err);
  assert.is((JSON.parse(overridden.out.trim()) as { response: Record<string, string | null> }).response.AWS_EXECUTION_ENV, "mine");
});

test("xray-edge invoke --runtime bun: provided.al2023's environment, without AWS_EXECUTION_ENV, as on Lambda", async () => {
  // (The installed package finding Bun in the user's cache is tested from a packed tarball:
  // test/package/pack.test.ts.)
  const run = await runCli(["invoke", "--handler", "app.handler", "--task-root", envFixture, "--runtime", "bun", "--json", "--quiet"]);
  assert.is(run.code, 0, run.err);
  const response = (JSON.parse(run.out.trim()) as { response: Record<string, string | null> }).response;
  assert.is(response.AWS_EXECUTION_ENV, null);
  assert.is(response.LANG, "en_US.UTF-8");
  assert.is(response.AWS_LAMBDA_FUNCTION_NAME, "local-function");
});

test.run();
