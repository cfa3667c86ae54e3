// `npm run demo` as a user runs it (its script, after the build): the sample function on Node, Bun
// and Deno through the emulator, each trace printed whole by the daemon.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";

test("the sample function is traced on node, bun and deno, and each trace is printed as a waterfall", () => {
  const r = spawnSync(process.execPath, ["--import", "./scripts/register.mjs", "bin/demo.ts"], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", COLUMNS: "120" },
  });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /3 of 3 runtimes traced; documents received by the daemon: 6, valid: 6/);
  const sections = r.stdout.split(/\n(?=(?:node|bun|deno): )/).filter((s) => /^(node|bun|deno): /.test(s));
  assert.equal(
    sections.map((s) => s.slice(0, s.indexOf(":"))),
    ["node", "bun", "deno"],
  );
  for (const section of sections) {
    const runtime = section.slice(0, section.indexOf(":"));
    const traceId = /trace (1-[0-9a-f]{8}-[0-9a-f]{24})/.exec(section)?.[1];
    assert.ok(traceId, `${runtime}: a trace ID`);
    assert.match(
      section,
      new RegExp(`"headerSeenDownstream":"Root=${traceId};Parent=[0-9a-f]{16};Sampled=1"`),
      `${runtime}: header propagated`,
    );
    assert.match(
      section,
      new RegExp(`trace ${traceId} .* 2 documents\\n`),
      `${runtime}: a whole trace (the function's segment and the handler's)`,
    );
    const lines = section.split("\n");
    const names = [
      "checkout ",
      "  ## handler.handler ",
      "    validate-order ",
      "    127.0.0.1 ",
      "    pricing ",
      "      load-rules ",
      "      total ",
    ];
    const at = names.map((n) => lines.findIndex((l) => l.startsWith(n)));
    assert.ok(
      at.every((i) => i > 0),
      `${runtime}: every span printed (${at})`,
    );
    assert.equal(
      [...at].sort((a, b) => a - b),
      at,
      `${runtime}: in order`,
    );
    assert.match(lines[at[1]!]!, /ColdStart=true Service=checkout order_id=A-1001/);
    assert.match(lines[at[4]!]!, /!fault \(discount code AUTUMN24 has expired\)/);
  }
});

test.run();
