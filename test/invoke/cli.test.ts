/**
 * `xray-edge invoke` as a real process: help, usage errors (exit 2, naming the option), the text
 * and JSON outputs, exit codes 0 and 1, a timeout reported, --quiet. The runtime is the fixture
 * behind a temporary `bootstrap` script (as a custom runtime ships one).
 */
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { UUID, checkTraceHeader, fixtureBootstrap, runCli } from "./helpers.ts";

const { dir, bootstrap } = fixtureBootstrap();

test("xray-edge --help lists invoke; invoke --help prints the usage and exits 0", async () => {
  const [top, help] = await Promise.all([runCli(["--help"]), runCli(["invoke", "--help"])]);
  assert.is(top.code, 0);
  assert.match(top.out, /\n {2}invoke +local Lambda Runtime API emulator/);
  assert.is(help.code, 0);
  assert.match(help.out, /^Usage: xray-edge invoke --bootstrap PATH \[options\]/);
  for (const option of [
    "--handler FILE.EXPORT",
    "--runtime NAME",
    "--event JSON|@FILE",
    "--sampled 1|0|none",
    "--tracing MODE",
    "--trace-header H",
    "--timeout SECONDS",
    "--json",
    "--quiet",
  ]) {
    assert.ok(help.out.includes(option), `usage mentions ${option}`);
  }
});

test("usage mistakes exit 2 with a message naming the option (the full list is in units.test.ts)", async () => {
  const notExecutable = path.join(dir, "plain.txt");
  writeFileSync(notExecutable, "not a program");
  const cases: Array<[string[], RegExp]> = [
    [[], /invoke needs a runtime: --bootstrap PATH \(an executable\) or --handler FILE\.EXPORT/],
    [["--bootstrap", bootstrap, "--sampled", "yes"], /--sampled must be 1, 0 or none, not "yes"/],
    [["--bootstrap", notExecutable], /--bootstrap: .*plain\.txt is not executable/],
    [["--bootstrap", bootstrap, "--frobnicate"], /unknown option for invoke: --frobnicate/],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(["invoke", ...args])));
  runs.forEach((run, i) => {
    const [args, message] = cases[i]!;
    assert.is(run.code, 2, `exit code for ${args.join(" ")}: ${run.err}`);
    assert.match(run.err, message);
    assert.match(run.err, /Run "xray-edge invoke --help" for the options\./);
    assert.is(run.out, "");
  });
});

test("text output: each result with its request ID, status, duration, trace header and payload or error; exit 1 when one failed", async () => {
  const eventFile = path.join(dir, "event.json");
  writeFileSync(eventFile, '{"action": "echo", "from": "file"}');
  const t0 = Date.now();
  const run = await runCli([
    "invoke",
    "--bootstrap",
    bootstrap,
    "--event",
    `@${eventFile}`,
    "--event",
    '{"action":"throw","type":"Fixture.Boom","message":"boom"}',
    "--function-name",
    "cli-fn",
    "--timeout",
    "2",
  ]);
  const t1 = Date.now();
  assert.is(run.code, 1, run.err);
  const lines = run.out.split("\n");
  const first = /^\[1\/2\] (\S+) {2}success {2}(\d+\.\d\d) ms {2}\(init \d+\.\d\d ms\)$/.exec(lines[0] ?? "");
  assert.ok(first, `first heading: ${lines[0]}`);
  assert.match(first![1]!, UUID);
  // Pass-through, Lambda's default, and no upstream header: the function gets Sampled=0.
  checkTraceHeader(lines[1]?.replace(/^trace: /, ""), "0", t0, t1);
  const echoed = JSON.parse(lines[2] ?? "") as { event: unknown; headers: Record<string, string>; env: Record<string, string> };
  assert.equal(echoed.event, { action: "echo", from: "file" });
  assert.is(echoed.headers["lambda-runtime-aws-request-id"], first![1]);
  assert.is(echoed.headers["lambda-runtime-invoked-function-arn"], "arn:aws:lambda:us-east-1:000000000000:function:cli-fn");
  assert.is(echoed.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "128");
  assert.is(echoed.env._HANDLER, undefined);
  assert.match(lines[3] ?? "", /^\[2\/2\] [0-9a-f-]{36} {2}error {2}\d+\.\d\d ms$/);
  assert.match(lines[4] ?? "", /^trace: Root=1-/);
  assert.is(lines[5], "Fixture.Boom: boom");
  assert.is(lines[6], "    at handler (runtime.mjs:1:1)");
  assert.is(lines[7], "");
  assert.match(run.err, new RegExp(`START RequestId: ${first![1]} Version: \\$LATEST`));
  assert.match(run.err, new RegExp(`REPORT RequestId: ${first![1]}\\tDuration: `));
  assert.match(run.err, /\[runtime\] response status 202/);
  assert.match(run.err, /xray-edge invoke: 2 invocations: 1 succeeded, 1 error\n$/);
});

test("--json --sampled none: one JSON line per invocation, traceId null and no trace header sent; exit 0", async () => {
  const run = await runCli([
    "invoke",
    "--bootstrap",
    bootstrap,
    "--json",
    "--sampled",
    "none",
    "--event",
    '{"action":"echo"}',
    "--env",
    "EXTRA=yes",
    "--region",
    "eu-central-1",
  ]);
  assert.is(run.code, 0, run.err);
  const lines = run.out.trim().split("\n");
  assert.is(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, any>;
  assert.equal(Object.keys(line), ["requestId", "traceId", "traceHeader", "status", "durationMs", "response"]);
  assert.match(line.requestId, UUID);
  assert.is(line.traceId, null);
  assert.is(line.traceHeader, null);
  assert.is(line.status, "success");
  assert.type(line.durationMs, "number");
  assert.is(line.response.headers["lambda-runtime-trace-id"], undefined);
  assert.is(
    line.response.headers["lambda-runtime-invoked-function-arn"],
    "arn:aws:lambda:eu-central-1:000000000000:function:local-function",
  );
  assert.is(line.response.env.EXTRA, "yes");
  assert.is(line.response.env.AWS_XRAY_DAEMON_ADDRESS, undefined);
});

test('--timeout: the invocation ends "Task timed out after N.NN seconds", the next one still runs; --quiet leaves stderr empty', async () => {
  const run = await runCli([
    "invoke",
    "--bootstrap",
    bootstrap,
    "--json",
    "--quiet",
    "--timeout",
    "0.5",
    "--event",
    '{"action":"sleep","ms":5000}',
    "--event",
    '{"action":"echo"}',
  ]);
  assert.is(run.code, 1);
  assert.is(run.err, "");
  const [slept, echoed] = run.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, any>);
  assert.is(slept!.status, "timeout");
  assert.is(slept!.error.errorType, "Sandbox.Timedout");
  assert.is(slept!.error.errorMessage, `RequestId: ${slept!.requestId} Error: Task timed out after 0.50 seconds`);
  assert.ok(slept!.durationMs >= 500 && slept!.durationMs < 2000, `duration ${slept!.durationMs}`);
  checkTraceHeader(slept!.traceHeader, "0", Date.now() - 60_000, Date.now());
  assert.is(slept!.traceId, /Root=([^;]+)/.exec(slept!.traceHeader)![1]);
  assert.is(echoed!.status, "success");
  assert.is(echoed!.response.event.action, "echo");
});

test("--client-context with a line break and --cognito-identity with a euro sign reach the runtime as the JSON given", async () => {
  const clientContext = { client: { app_title: "Caf\u00e9 \u20ac" }, custom: { lines: "a\nb" } };
  const identity = { cognitoIdentityId: "eu-west-1:\u20ac", cognitoIdentityPoolId: "pool" };
  const run = await runCli([
    "invoke",
    "--bootstrap",
    bootstrap,
    "--json",
    "--client-context",
    JSON.stringify(clientContext, null, 2),
    "--cognito-identity",
    JSON.stringify(identity),
    "--event",
    '{"action":"echo"}',
  ]);
  assert.is(run.code, 0, run.err);
  const line = JSON.parse(run.out.trim()) as { response: { headers: Record<string, string> } };
  assert.equal(JSON.parse(line.response.headers["lambda-runtime-client-context"]!), clientContext);
  assert.equal(JSON.parse(line.response.headers["lambda-runtime-cognito-identity"]!), identity);
});

// (A NUL cannot reach a process's arguments at all: units and the fuzz cover it.)
test("a client context over Lambda's 3,583 base64 bytes, a device as the event: usage errors naming the option", async () => {
  const cases: Array<[string[], RegExp]> = [
    [
      ["--client-context", JSON.stringify({ k: "x".repeat(2700) })],
      /--client-context: 3\d{3} bytes once base64-encoded, over Lambda's 3583/,
    ],
    [["--event", "@/dev/zero"], /--event @\/dev\/zero: \/dev\/zero is not a regular file/],
  ];
  const runs = await Promise.all(cases.map(([args]) => runCli(["invoke", "--bootstrap", bootstrap, ...args])));
  runs.forEach((run, i) => {
    assert.is(run.code, 2, run.err);
    assert.match(run.err, cases[i]![1]);
  });
});

test("--memory: a runtime over it is killed, reported as Runtime.OutOfMemory with Max Memory Used at the limit; exit 1", async () => {
  const run = await runCli([
    "invoke",
    "--bootstrap",
    bootstrap,
    "--json",
    "--memory",
    "128",
    "--timeout",
    "15",
    "--event",
    '{"action":"allocate","mb":320,"holdMs":14000}',
  ]);
  assert.is(run.code, 1, run.err);
  const line = JSON.parse(run.out.trim()) as Record<string, any>;
  assert.is(line.status, "error");
  assert.is(line.error.errorType, "Runtime.OutOfMemory");
  assert.match(
    run.err,
    new RegExp(
      `REPORT RequestId: ${line.requestId}\\t.*\\tMemory Size: 128 MB\\tMax Memory Used: 128 MB\\t.*Error Type: Runtime\\.OutOfMemory`,
    ),
  );
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
