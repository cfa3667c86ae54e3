// `npm run demo` as a user runs it (its script, after the build): the sample function on Node, Bun
// and Deno through the emulator, each trace printed whole by the daemon: Lambda's service and
// function segments (Initialization, Invocation, Overhead) and the handler's under Invocation.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";

/** A waterfall row for `name`: whatever the layout puts before a name (indentation, tree lines), then the name. */
const row = (name: string): RegExp => new RegExp(`^[^A-Za-z0-9#]*${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} `);
/** The column where a row's name starts: deeper nodes start further right. */
const indent = (line: string): number => line.search(/[A-Za-z0-9#]/);

test("the sample function is traced on node, bun and deno, and each trace is printed whole as a waterfall", () => {
  const r = spawnSync(process.execPath, ["--import", "./scripts/register.mjs", "bin/demo.ts"], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "", COLUMNS: "120" },
  });
  assert.is(r.status, 0, r.stdout + r.stderr);
  // Per runtime: the handler's document and Lambda's two.
  assert.match(r.stdout, /3 of 3 runtimes traced; documents received by the daemon: 9, valid: 9/);
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
      new RegExp(`trace ${traceId} .* 3 documents\\n`),
      `${runtime}: a whole, finished trace (Lambda's two segments and the handler's)`,
    );
    assert.not.match(section, /unfinished|incomplete|not received/, `${runtime}: nothing missing`);
    const all = section.split("\n");
    const header = all.findIndex((l) => l.startsWith(`trace ${traceId} `));
    const lines = all.slice(header + 1, header + 12);
    // [name, depth in the tree]: the service segment, its function segment, Lambda's subsegments,
    // the handler's under Invocation.
    const expected: Array<[string, number]> = [
      ["checkout", 0],
      ["checkout", 1],
      ["Initialization", 2],
      ["Invocation", 2],
      ["## handler.handler", 3],
      ["validate-order", 4],
      ["127.0.0.1", 4],
      ["pricing", 4],
      ["load-rules", 5],
      ["total", 5],
      ["Overhead", 2],
    ];
    for (const [i, [name]] of expected.entries()) assert.match(lines[i] ?? "", row(name), `${runtime}: row ${i} is ${name}: ${lines[i]}`);
    const columns = new Map<number, number>();
    expected.forEach(([, depth], i) => {
      const column = indent(lines[i]!);
      if (!columns.has(depth)) columns.set(depth, column);
      assert.is(column, columns.get(depth), `${runtime}: row ${i} at depth ${depth}'s column`);
    });
    for (let d = 1; d <= 5; d++) assert.ok(columns.get(d)! > columns.get(d - 1)!, `${runtime}: depth ${d} right of depth ${d - 1}`);
    assert.match(lines[4]!, /ColdStart=true Service=checkout order_id=A-1001/);
    assert.match(lines[7]!, /!fault \(discount code AUTUMN24 has expired\)/);
  }
});

test.run();
