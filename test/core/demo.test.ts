import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";

test("npm run demo's script traces the sample handler and prints its waterfall", () => {
  const r = spawnSync(process.execPath, ["--import", "./scripts/register.mjs", "bin/demo.ts"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "" },
  });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, /trace header propagated: yes/);
  const lines = r.stdout.split("\n");
  const names = ["checkout", "  validate-order", "  inventory", "  pricing", "    load-rules"];
  const at = names.map((n) => lines.findIndex((l) => l.startsWith(n + " ")));
  assert.ok(at.every((i) => i > 0), `every span printed, in order: ${at}`);
  assert.equal([...at].sort((a, b) => a - b), at);
  assert.match(lines[at[1]!]!, /order_id=A-1001/);
  assert.match(lines[at[3]!]!, /!fault \(discount code expired\)/);
});

test.run();
