/**
 * Issue 14: the Lambda benchmark's ADOT peer (bench/adot/), without the network: where it is
 * cached, the npm command that installs it (a stand-in npm here, which lays out the package as
 * npm would), the wrapper bundled as the layer bundles it, reuse of the cache, failures reported
 * with npm's reason and leaving nothing half made, and the environment of ADOT's layer.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { ADOT_PACKAGE, ADOT_VERSION, adotDir, prepareAdot } from "../../bench/adot/fetch.ts";
import { layerEnv } from "../../bench/adot/layer-env.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "xray-edge-adot-"));
const require = createRequire(import.meta.url);

/**
 * An npm stand-in: logs its arguments and folder to `log`, then does what `behaviour` says:
 * "install" lays out the package (version `version`) as npm would, "fail" exits as npm does offline.
 */
function fakeNpm(name: string, behaviour: "install" | "fail", version = "0.13.0"): { npm: string; log: string } {
  const npm = path.join(tmp, `${name}-npm.cjs`);
  const log = path.join(tmp, `${name}-npm.log`);
  writeFileSync(
    npm,
    `#!${process.execPath}
const fs = require("node:fs"), path = require("node:path");
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2) }) + "\\n");
if (${JSON.stringify(behaviour)} === "fail") {
  process.stderr.write("npm warn config production Use --omit=dev instead.\\nnpm error code ENOTFOUND\\nnpm error network request to https://registry.npmjs.org failed\\n");
  process.exit(1);
}
const pkg = path.join(process.cwd(), "node_modules", "@aws", "aws-distro-opentelemetry-node-autoinstrumentation");
fs.mkdirSync(path.join(pkg, "build", "src"), { recursive: true });
fs.writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: ${JSON.stringify(ADOT_PACKAGE)}, version: ${JSON.stringify(version)}, exports: { "./lite": "./build/src/lite.js" } }));
fs.writeFileSync(path.join(pkg, "build", "src", "lite.js"), 'exports.configureLiteMode = () => { globalThis.__adotLite = (globalThis.__adotLite ?? 0) + 1; };\\nexports.hooks = () => require("require-in-the-middle");\\n');
`,
  );
  chmodSync(npm, 0o755);
  return { npm, log };
}

const calls = (log: string) =>
  existsSync(log)
    ? readFileSync(log, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { cwd: string; args: string[] })
    : [];

test("ADOT is cached under the user cache, in bench/adot-<pinned version>", () => {
  assert.is(ADOT_VERSION, "0.13.0");
  assert.is(adotDir("/home/u/.cache/xray-edge"), "/home/u/.cache/xray-edge/bench/adot-0.13.0");
  assert.is(adotDir("/x/xray-edge", "0.14.0"), "/x/xray-edge/bench/adot-0.14.0");
});

test("first use installs the pinned version with npm in the cache folder, bundles the wrapper, then reuses it", async () => {
  const cacheRoot = path.join(tmp, "cache-ok");
  const { npm, log } = fakeNpm("ok", "install");
  const fetching: string[] = [];
  const first = await prepareAdot({ cacheRoot, npm, onFetch: (dir) => fetching.push(dir) });
  const dir = path.join(cacheRoot, "bench", "adot-0.13.0");
  assert.equal(first, {
    version: "0.13.0",
    dir,
    wrapper: path.join(dir, "opt", "lite-wrapper.js"),
    taskRoot: path.join(dir, "task"),
    fetched: true,
  });
  assert.equal(fetching, [dir]);
  assert.equal(calls(log), [
    { cwd: dir, args: ["install", "--omit=dev", "--ignore-scripts", "--no-package-lock", "--no-audit", "--no-fund", "--loglevel=error"] },
  ]);
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  assert.equal(manifest.dependencies, { "@aws/aws-distro-opentelemetry-node-autoinstrumentation": "0.13.0" });

  // The wrapper is the package's configureLiteMode() in one file, the layer's externals left out.
  const bundle = readFileSync(first.wrapper, "utf8");
  assert.ok(bundle.includes('require("require-in-the-middle")'), "require-in-the-middle stays outside the bundle");
  assert.not.ok(bundle.includes("node_modules/@aws"), "the package is bundled in, not required");
  const g = globalThis as { __adotLite?: number };
  g.__adotLite = 0;
  require(first.wrapper);
  assert.is(g.__adotLite, 1, "requiring the wrapper configures lite mode");

  // The task root holds the benchmark's handler as index.js.
  assert.is(readFileSync(path.join(first.taskRoot, "index.js"), "utf8"), readFileSync("bench/adot/handler.cjs", "utf8"));

  const second = await prepareAdot({ cacheRoot, npm, onFetch: (dir) => fetching.push(dir) });
  assert.equal(second, { ...first, fetched: false });
  assert.is(calls(log).length, 1, "npm is not run again");
  assert.is(fetching.length, 1);
});

test("npm failing (offline): the error carries npm's reason and the half-made folder is gone", async () => {
  const cacheRoot = path.join(tmp, "cache-offline");
  const { npm, log } = fakeNpm("offline", "fail");
  try {
    await prepareAdot({ cacheRoot, npm });
    assert.unreachable("prepareAdot should have thrown");
  } catch (error) {
    assert.instance(error, Error);
    const message = (error as Error).message;
    assert.match(message, `could not install ${ADOT_PACKAGE}@0.13.0 into ${path.join(cacheRoot, "bench", "adot-0.13.0")}`);
    assert.match(message, "npm error code ENOTFOUND");
  }
  assert.is(calls(log).length, 1);
  assert.not.ok(existsSync(adotDir(cacheRoot)), "nothing is left to be taken for a cached copy");
});

test("npm installing another version is a failure, not a cached copy", async () => {
  const cacheRoot = path.join(tmp, "cache-other");
  const { npm } = fakeNpm("other", "install", "0.12.0");
  try {
    await prepareAdot({ cacheRoot, npm });
    assert.unreachable("prepareAdot should have thrown");
  } catch (error) {
    assert.match((error as Error).message, `npm did not install ${ADOT_PACKAGE}@0.13.0`);
  }
  assert.not.ok(existsSync(adotDir(cacheRoot)));
});

test("a cached copy of another version is replaced by the pinned one", async () => {
  const cacheRoot = path.join(tmp, "cache-stale");
  const { npm, log } = fakeNpm("stale-new", "install");
  const old = await prepareAdot({ cacheRoot, npm });
  assert.ok(old.fetched);
  // Now make the cached copy stale by hand: the wrapper is there, the package is another version.
  const manifest = path.join(old.dir, "node_modules", ...ADOT_PACKAGE.split("/"), "package.json");
  writeFileSync(manifest, JSON.stringify({ name: ADOT_PACKAGE, version: "0.12.0" }));
  const again = await prepareAdot({ cacheRoot, npm });
  assert.ok(again.fetched, "reinstalled");
  assert.is(calls(log).length, 2);
  assert.is(JSON.parse(readFileSync(manifest, "utf8")).version, "0.13.0");
});

test("the layer's environment: lite mode through --require of its wrapper, the X-Ray propagator, UDP to the sink", () => {
  const env = layerEnv({ wrapper: "/c/opt/lite-wrapper.js", taskRoot: "/c/task", daemonAddress: "127.0.0.1:4567" });
  assert.is(env.NODE_OPTIONS, '--require "/c/opt/lite-wrapper.js"');
  assert.is(env.OTEL_AWS_LAMBDA_FAST_START, "true");
  assert.is(env.AWS_XRAY_DAEMON_ADDRESS, "127.0.0.1:4567");
  assert.is(env.LAMBDA_TASK_ROOT, "/c/task");
  assert.is(env._HANDLER, "index.handler");
  assert.is(env.AWS_EXECUTION_ENV, "AWS_Lambda_nodejs20.x");
  assert.is(env.OTEL_PROPAGATORS, "baggage,tracecontext,xray");
  assert.is(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS, "aws-sdk,aws-lambda,http");
  assert.is(env.OTEL_METRICS_EXPORTER, "none");
  assert.is(env.OTEL_LOGS_EXPORTER, "none");
  assert.is(env.OTEL_AWS_APPLICATION_SIGNALS_ENABLED, "true");
  assert.is(env.OTEL_SERVICE_NAME, "bench");
  assert.is(
    env.OTEL_RESOURCE_ATTRIBUTES,
    "service.name=bench,cloud.region=us-east-1,cloud.provider=aws,cloud.platform=aws_lambda,faas.name=bench,faas.version=$LATEST,faas.instance=2026/12/02/[$LATEST]0123456789abcdef0123456789abcdef,aws.log.group.names=/aws/lambda/bench",
  );
  const appended = layerEnv({ wrapper: "/w.js", taskRoot: "/t", daemonAddress: "h:1", nodeOptions: "--max-old-space-size=256" });
  assert.is(appended.NODE_OPTIONS, '--max-old-space-size=256 --require "/w.js"');
});

test.run();
