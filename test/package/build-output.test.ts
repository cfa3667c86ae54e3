/**
 * Issue 16, point 7: the build prints nothing that looks like a problem unless it is one.
 * Binaryen (inside asc) says "Last converge was suboptimal." on every release build, a note on
 * how far its optimizer went; scripts/quiet-run.mjs drops that line and passes on everything
 * else. Checked on fake commands (what is kept, what is dropped, that a failure still fails)
 * and on the real release compile, into a temporary file.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { linesWorthShowing, runQuietly } from "../../scripts/quiet-run.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const tmp = mkdtempSync(path.join(os.tmpdir(), "xray-edge-build-"));

function capture(args: string[]): { text: string; error?: unknown } {
  let text = "";
  try {
    runQuietly(ROOT, process.execPath, args, (t: string) => (text += t));
  } catch (error) {
    return { text, error };
  }
  return { text };
}

test("binaryen's note is dropped; other lines, on either stream, are passed on", () => {
  assert.equal(linesWorthShowing("Last converge was suboptimal.\n\n  \nWARNING AS201: Conversion\r\n"), ["WARNING AS201: Conversion"]);
  const r = capture([
    "-e",
    'console.log("Last converge was suboptimal."); console.error("ERROR TS2304: Cannot find name"); console.log("kept")',
  ]);
  assert.is(r.error, undefined);
  assert.is(r.text, "kept\nERROR TS2304: Cannot find name\n");
});

test("a failing step still fails, with its output shown", () => {
  const r = capture(["-e", 'console.error("ERROR: broken"); process.exit(3)']);
  assert.instance(r.error, Error);
  assert.match(String(r.error), /exited with 3/);
  assert.is(r.text, "ERROR: broken\n");
});

test("the real release compile prints nothing", () => {
  const out = path.join(tmp, "core.wasm");
  const r = capture([
    path.join(ROOT, "node_modules/assemblyscript/bin/asc.js"),
    "--config",
    "asconfig.json",
    "--target",
    "release",
    "--outFile",
    out,
  ]);
  assert.is(r.error, undefined, String(r.error));
  assert.is(r.text, "");
});

test.run();
