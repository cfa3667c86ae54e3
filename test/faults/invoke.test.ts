/**
 * Issue 11, the emulator's options (`xray-edge invoke`): each row is an option's value and what
 * must follow, the CLI run as a real process. Node only: the CLI is a Node program (bin/ is run
 * by Node whatever runtime it starts); the runtime it starts here is xray-edge's own loop on Node
 * with test/runtime's handler, which returns the context it was given. A value the emulator can
 * carry reaches the handler as the JSON given; one it cannot is a usage message naming the option
 * (exit 2), never a stack trace.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, childEnv, runCli, withTimeout } from "../daemon/helpers.ts";

interface Row {
  case: string;
  flags: string[];
  expect: { code: 0; context: Record<string, unknown> } | { code: 2; usage: RegExp };
}

/** Where every row runs, and why only there: said in each row's test name. */
const ONLY_NODE = "node only: the CLI is a Node program, whatever runtime it starts";

const IDENTITY = { cognitoIdentityId: "eu-west-1:€", cognitoIdentityPoolId: "pool" };

const ROWS: Row[] = [
  {
    case: "--client-context with a newline",
    flags: ["--client-context", '{"custom":\n{"a": 1}}'],
    expect: { code: 0, context: { clientContext: { custom: { a: 1 } } } },
  },
  {
    case: '--cognito-identity with "€"',
    flags: ["--cognito-identity", JSON.stringify(IDENTITY)],
    expect: { code: 0, context: { identity: IDENTITY } },
  },
  {
    case: "--memory below Lambda's 128",
    flags: ["--memory", "64"],
    expect: { code: 2, usage: /^xray-edge invoke: --memory must be a whole number of MB from 128 to 10240, not "64"$/m },
  },
  {
    case: "--memory not a number",
    flags: ["--memory", "lots"],
    expect: { code: 2, usage: /^xray-edge invoke: --memory must be a whole number of MB from 128 to 10240, not "lots"$/m },
  },
  {
    case: "--memory fractional",
    flags: ["--memory", "256.5"],
    expect: { code: 2, usage: /^xray-edge invoke: --memory must be a whole number of MB from 128 to 10240, not "256.5"$/m },
  },
  {
    case: "--client-context not JSON",
    flags: ["--client-context", '{"custom":'],
    expect: { code: 2, usage: /^xray-edge invoke: --client-context: not valid JSON \(.*\): "\{\\"custom\\":"; give JSON text or @FILE$/m },
  },
];

/** The invocation: xray-edge's runtime on Node, the handler that echoes its context (test/runtime/fixtures). */
const BASE = ["invoke", "--handler", "handlers.dispatch", "--runtime", "node", "--task-root", `${ROOT}/test/runtime/fixtures`, "--json"];
const EVENT = ["--event", '{"action":"context"}'];

for (const row of ROWS) {
  test(`${row.case} [${ONLY_NODE}]: ${row.expect.code === 0 ? "reaches the handler as the JSON given" : "a usage message naming the option, exit 2"}, no stack trace`, async () => {
    const proc = runCli([...BASE, ...row.flags, ...EVENT], childEnv());
    const code = await withTimeout(proc.exited, 30_000, `xray-edge invoke ${row.flags.join(" ")}`);
    const [out, err] = [proc.stdout(), proc.stderr()];
    const label = `${row.case}: ${err}`;
    assert.is(code, row.expect.code, label);
    assert.not.match(err, /^\s+at /m, `${row.case}: no stack trace`);
    if (row.expect.code === 2) {
      assert.match(err, row.expect.usage, label);
      assert.match(err, /Run "xray-edge invoke --help" for the options\./, label);
      assert.is(out, "", row.case);
      return;
    }
    const result = JSON.parse(out.trim()) as { status: string; response: Record<string, unknown> };
    assert.is(result.status, "success", label);
    for (const [key, value] of Object.entries(row.expect.context)) assert.equal(result.response[key], value, `${row.case}: ${key}`);
  });
}

test.run();
