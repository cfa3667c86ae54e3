/**
 * `xray-edge layer`'s mistakes as a person meets them (issue 16, point 7): one line naming the
 * flag or the kind, exit 2 for usage and 1 for a failure, never a stack trace.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "xray-layer-cli-"));
const layer = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, "dist/bin/xray-edge.js"), "layer", ...args], { encoding: "utf8", timeout: 60_000 });
const STACK = /\n\s+at /;

test("--out through a file: exit 1, the flag and the OS's reason on one line, no stack", () => {
  const file = join(dir, "a-file");
  writeFileSync(file, "");
  const r = layer("node", "--out", join(file, "sub"));
  assert.is(r.status, 1, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(
      `^xray-edge layer: --out ${join(file, "sub").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: cannot write xray-edge-node\\.zip: ENOTDIR`,
    ),
  );
  assert.is(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.not.match(r.stderr, STACK);
  assert.is(r.stdout, "");
});

if (process.platform === "linux") {
  test("--out under /proc (where Node's recursive mkdir never returns): exit 1 at once, naming the flag", () => {
    const r = layer("node", "--out", "/proc/xray-edge-layer-test/sub");
    assert.is(r.error, undefined, "ended within the timeout");
    assert.is(r.status, 1, r.stderr);
    assert.match(r.stderr, /^xray-edge layer: --out \/proc\/xray-edge-layer-test\/sub: cannot write xray-edge-node\.zip: E[A-Z]+/);
    assert.not.match(r.stderr, STACK);
  });
}

test("an unknown kind or --arch: exit 2 naming it", () => {
  const kind = layer("python");
  assert.is(kind.status, 2);
  assert.match(kind.stderr, /expected node, bun or deno, got "python"/);
  const arch = layer("bun", "--arch", "mips");
  assert.is(arch.status, 2);
  assert.match(arch.stderr, /--arch "mips" is not valid: expected x64 or arm64/);
  assert.not.match(kind.stderr + arch.stderr, STACK);
});

test("the dispatcher: --version and -v print the package's version", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  for (const flag of ["--version", "-v"]) {
    const r = spawnSync(process.execPath, [join(ROOT, "dist/bin/xray-edge.js"), flag], { encoding: "utf8" });
    assert.is(r.status, 0);
    assert.is(r.stdout, `${manifest.version}\n`);
  }
});

test.run();
