/**
 * The option parser over arbitrary strings, for every option: it never throws anything but a
 * UsageError, a UsageError names the option, and what it accepts is a run configuration that
 * cannot crash the emulator — header values Node's own HTTP check accepts (and that parse back to
 * the JSON given), no NUL in what becomes an environment variable, a path or an argument, numbers
 * in Lambda's ranges.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { validateHeaderValue } from "node:http";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { UsageError, parseInvokeArgs, type InvokeArgs } from "../../bin/invoke/args.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "xray-edge-invoke-fuzz-"));
const bootstrap = path.join(tmp, "bootstrap");
writeFileSync(bootstrap, "#!/bin/sh\n");
chmodSync(bootstrap, 0o755);
writeFileSync(path.join(tmp, "event.json"), '{"from": "file"}');

const VALUE_OPTIONS = [
  "--bootstrap",
  "--handler",
  "--runtime",
  "--event",
  "--sampled",
  "--tracing",
  "--trace-header",
  "--client-context",
  "--cognito-identity",
  "--timeout",
  "--concurrency",
  "--memory",
  "--function-name",
  "--region",
  "--task-root",
  "--daemon-address",
  "--env",
];

/** What the other options must be for `name` to be the one checked. */
function base(name: string): string[] {
  if (name === "--bootstrap" || name === "--handler") return [];
  if (name === "--runtime") return ["--handler", "index.handler"];
  return ["--bootstrap", bootstrap];
}

/** Strings a parser trips on, mixed into arbitrary ones: line breaks, NUL, non-ASCII, lone surrogates, JSON, numbers. */
const tricky = fc.constantFrom(
  "\n",
  "\r\n",
  "\0",
  "€",
  "\ud800",
  "\u007f",
  "\u2028",
  '{"a":\n"€"}',
  '{"a":"\\u0000"}',
  "[1,\n2]",
  '"x"',
  "@event.json",
  "@",
  "@.",
  "--",
  "=",
  "A=\0",
  "A=1",
  "128",
  "10240",
  "0.1",
  "900",
  "1e3",
  " 5",
  "index.handler",
  "a.b\0",
  "node",
  "us-east-1",
  "127.0.0.1:2000",
  "active",
  "passthrough",
  "Root=1-6b057c40-0123456789abcdef01234567",
  ";Parent=53995c3f42cd8ad8;Sampled=1",
  ";Sampled=?",
  ".",
  "x".repeat(4000),
  `{"k":"${"é".repeat(1500)}"}`,
);
const value = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  tricky,
  fc.array(tricky, { maxLength: 4 }).map((parts) => parts.join("")),
);

const NO_NUL = (s: string | undefined) => s === undefined || !s.includes("\0");

/** The property of an accepted configuration, checked with Node's and JSON's own rules. */
function checkAccepted(args: InvokeArgs, name: string, given: string): void {
  for (const [header, text] of [
    ["Lambda-Runtime-Client-Context", args.clientContext],
    ["Lambda-Runtime-Cognito-Identity", args.cognitoIdentity],
  ] as const) {
    if (text === undefined) continue;
    validateHeaderValue(header, text); // throws ERR_INVALID_CHAR as res.writeHead would
    if (header.endsWith(name === "--client-context" ? "Client-Context" : "Cognito-Identity"))
      assert.equal(JSON.parse(text), JSON.parse(given), `${name} carries the JSON given`);
  }
  for (const [key, v] of Object.entries(args.env)) assert.ok(NO_NUL(key) && NO_NUL(v), `--env ${JSON.stringify(key)}`);
  for (const s of [args.handler, args.bootstrap, args.taskRoot, args.daemonAddress, args.functionName, args.region])
    assert.ok(NO_NUL(s), JSON.stringify(s));
  assert.ok(Number.isInteger(args.memoryMb) && args.memoryMb >= 128 && args.memoryMb <= 10240, `memory ${args.memoryMb}`);
  assert.ok(Number.isInteger(args.timeoutMs) && args.timeoutMs >= 100 && args.timeoutMs <= 900_000, `timeout ${args.timeoutMs}`);
  for (const event of args.events) JSON.parse(event.toString("utf8"));
  assert.ok(args.tracing === "active" || args.tracing === "passthrough", `tracing ${args.tracing}`);
  // What the function gets from an upstream header is built afresh from its checked Root.
  if (args.traceHeader !== undefined) assert.match(args.traceHeader, /(^|;)\s*Root\s*=\s*1-[0-9a-f]{8}-[0-9a-f]{24}\s*(;|$)/);
}

function outcome(argv: string[], name: string, given: string): void {
  let args: InvokeArgs;
  try {
    args = parseInvokeArgs(argv, tmp);
  } catch (e) {
    if (!(e instanceof UsageError)) throw new Error(`${JSON.stringify(argv)}: not a usage error: ${(e as Error)?.stack ?? String(e)}`);
    assert.ok(e.message.includes(name), `${JSON.stringify(argv)}: the message names ${name}: ${e.message}`);
    return;
  }
  checkAccepted(args, name, given);
}

for (const name of VALUE_OPTIONS) {
  test(`${name}: any value is a valid configuration or a usage error naming ${name}`, () => {
    fc.assert(
      fc.property(value, fc.boolean(), (v, joined) => {
        // A value starting with "--" is read as a missing value in the spaced form, as intended.
        outcome([...base(name), ...(joined ? [`${name}=${v}`] : [name, v])], name, v);
      }),
      { numRuns: 400 },
    );
  });
}

test("any argument list: parsed or a usage error, never another exception", () => {
  const arg = fc.oneof(fc.constantFrom(...VALUE_OPTIONS, "--json", "--quiet", "-h", "--help", bootstrap), value);
  fc.assert(
    fc.property(fc.array(arg, { maxLength: 8 }), (argv) => {
      try {
        parseInvokeArgs(argv, tmp);
      } catch (e) {
        if (!(e instanceof UsageError)) throw new Error(`${JSON.stringify(argv)}: ${(e as Error)?.stack ?? String(e)}`);
      }
    }),
    { numRuns: 1000 },
  );
});

test("the inputs the issue names: a newline in --client-context, a euro sign in --cognito-identity", () => {
  const args = parseInvokeArgs(
    ["--bootstrap", bootstrap, "--client-context", '{"custom":\n{"a": 1}}', "--cognito-identity", '{"id":"€"}'],
    tmp,
  );
  assert.is(args.clientContext, '{"custom": {"a": 1}}');
  assert.is(args.cognitoIdentity, '{"id":"\\u20ac"}');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
