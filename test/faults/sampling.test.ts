/**
 * Issue 11, sampling rule documents (the core): each row is a document and what must follow, run
 * as a fresh process on Node, Bun and Deno through the built bundle (new Sampler({ rules })): a
 * malformed document throws at construction with a message naming the field, never a partial
 * rule set; the boundary values beside each refusal are accepted, and a byte-order mark too.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RUNTIMES, runFixture } from "./run.ts";

const DEFAULT = { fixed_target: 1, rate: 0.1 };
/** One rule that takes every request to /b, so that an accepted document shows it was applied. */
const rule = (fields: Record<string, unknown> = {}) => ({
  description: "b",
  host: "*",
  http_method: "*",
  url_path: "/b",
  fixed_target: 0,
  rate: 1,
  ...fields,
});
const APPLIED = { accepted: true, decision: { sampled: true, rule: "b" } } as const;

interface Row {
  case: string;
  /** What Sampler's rules option gets: a document, or JSON text. */
  rules: unknown;
  expect: { accepted: false; error: RegExp } | typeof APPLIED;
}

const ROWS: Row[] = [
  // A typo at the top must not silently drop every rule.
  {
    case: "an unknown top-level key",
    rules: { version: 2, rule: [rule()], default: DEFAULT },
    expect: { accepted: false, error: /document has unknown field "rule" \(expected: version, default, rules\)/ },
  },
  // The core counts reservoirs in i32: 2^31 would wrap to a negative target.
  {
    case: "fixed_target of 2^31",
    rules: { version: 2, rules: [rule({ fixed_target: 2 ** 31 })], default: DEFAULT },
    expect: {
      accepted: false,
      error: /rules\[0\] "fixed_target" must be a non-negative integer \(requests per second\) at most 2147483647, got 2147483648/,
    },
  },
  {
    case: "fixed_target of 2^31 - 1",
    rules: { version: 2, rules: [rule({ fixed_target: 2 ** 31 - 1 })], default: DEFAULT },
    expect: APPLIED,
  },
  // Refused, never cut: a cut pattern would match other requests.
  {
    case: "a pattern of 4,097 bytes",
    rules: { version: 2, rules: [rule({ url_path: `/b${"*".repeat(4095)}` })], default: DEFAULT },
    expect: { accepted: false, error: /rules\[0\] "url_path" is 4097 bytes: patterns are at most 4096 bytes/ },
  },
  // Bytes, not characters: 2,048 two-byte characters make 4,096 bytes (é), one more is over.
  {
    case: "a pattern of 4,098 bytes in 2,049 characters",
    rules: { version: 2, rules: [rule({ host: "é".repeat(2049) })], default: DEFAULT },
    expect: { accepted: false, error: /rules\[0\] "host" is 4098 bytes: patterns are at most 4096 bytes/ },
  },
  {
    case: "a pattern of 4,096 bytes",
    rules: { version: 2, rules: [rule({ url_path: `/b${"*".repeat(4094)}` })], default: DEFAULT },
    expect: APPLIED,
  },
  // Written by an editor that adds one: JSON.parse alone would refuse it.
  {
    case: "JSON text with a byte-order mark",
    rules: `\uFEFF${JSON.stringify({ version: 2, rules: [rule()], default: DEFAULT })}`,
    expect: APPLIED,
  },
  { case: "a JSON array", rules: "[]", expect: { accepted: false, error: /document is an array: a rules document is an object/ } },
  { case: "an array", rules: [rule()], expect: { accepted: false, error: /document is an array: a rules document is an object/ } },
];

for (const row of ROWS) {
  test(`${row.case}: ${row.expect.accepted ? "accepted and applied" : "refused at construction, naming the field"}`, async () => {
    const runs = RUNTIMES.map(async (runtime) => ({
      runtime,
      ran: await runFixture(runtime, "sampler.mjs", [JSON.stringify(row.rules)], {}),
    }));
    for (const { runtime, ran } of await Promise.all(runs)) {
      assert.is(ran.code, 0, `${runtime}: ${ran.stderr}`);
      const { expect } = row;
      if (expect.accepted) assert.equal(ran.result, expect, runtime);
      else {
        assert.is(ran.result.accepted, false, `${runtime}: ${JSON.stringify(ran.result)}`);
        assert.match(ran.result.error, expect.error, runtime);
      }
    }
  });
}

test.run();
