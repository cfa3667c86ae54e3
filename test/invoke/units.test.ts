/**
 * The pieces of `xray-edge invoke` that need no process: argument parsing (defaults, every usage
 * error), the runtime command for --handler, the package root it is found from, the ID formats.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { UsageError, parseInvokeArgs } from "../../bin/invoke/args.ts";
import { logStreamName, newRequestId, newTraceHeader } from "../../bin/invoke/ids.ts";
import { ownPackageRoot, runtimeCommand } from "../../bin/invoke/runtime-command.ts";
import { describeExit } from "../../bin/invoke/runtime-process.ts";
import { startEmulator } from "../../bin/invoke/emulator.ts";
import { jsonHeaderValue } from "../../bin/invoke/protocol.ts";
import { notBefore } from "../../bin/invoke/invocation.ts";
import { packageRoot } from "../../bin/layer/package-root.ts";
import { IDLE_COMMAND, ROOT, UUID, checkTraceHeader } from "./helpers.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "xray-edge-invoke-units-"));
const bootstrap = path.join(tmp, "bootstrap");
writeFileSync(bootstrap, "#!/bin/sh\n");
chmodSync(bootstrap, 0o755);
const plain = path.join(tmp, "plain.txt");
writeFileSync(plain, "text");
writeFileSync(path.join(tmp, "event.json"), '{ "from": "file" }');
writeFileSync(path.join(tmp, "broken.json"), '{ "from": ');

test("defaults: Lambda-like function settings, one {} event, pass-through tracing, node for --handler", () => {
  const args = parseInvokeArgs(["--handler", "src/app.main"], tmp);
  assert.equal(args, {
    help: false,
    handler: "src/app.main",
    runtime: "node",
    events: [Buffer.from("{}")],
    tracing: "passthrough",
    timeoutMs: 3000,
    memoryMb: 128,
    functionName: "local-function",
    region: "us-east-1",
    taskRoot: tmp,
    env: {},
    json: false,
    quiet: false,
  });
});

test("values in both forms, repeatable events and variables, files relative to the working directory", () => {
  const args = parseInvokeArgs(
    [
      "--bootstrap=bootstrap",
      "--handler",
      "index.handler",
      "--event",
      '{"a":1}',
      "--event=@event.json",
      "--sampled",
      "none",
      "--timeout",
      "0.25",
      "--memory=1024",
      "--function-name",
      "my_fn-2",
      "--region",
      "us-gov-west-1",
      "--task-root",
      ".",
      "--daemon-address",
      "tcp:127.0.0.1:2001 udp:127.0.0.1:2002",
      "--env",
      "A=1",
      "--env",
      "B=x=y",
      "--client-context",
      '{"custom":{}}',
      "--cognito-identity",
      '{"cognitoIdentityId":"i"}',
      "--json",
      "--quiet",
    ],
    tmp,
  );
  assert.is(args.bootstrap, bootstrap);
  assert.is(args.runtime, undefined);
  assert.is(args.handler, "index.handler");
  assert.equal(args.events.map(String), ['{"a":1}', '{ "from": "file" }']);
  assert.is(args.sampled, "none");
  assert.is(args.timeoutMs, 250);
  assert.is(args.memoryMb, 1024);
  assert.is(args.functionName, "my_fn-2");
  assert.is(args.region, "us-gov-west-1");
  assert.is(args.taskRoot, tmp);
  assert.is(args.daemonAddress, "tcp:127.0.0.1:2001 udp:127.0.0.1:2002");
  assert.equal(args.env, { A: "1", B: "x=y" });
  assert.is(args.clientContext, '{"custom":{}}');
  assert.is(args.cognitoIdentity, '{"cognitoIdentityId":"i"}');
  assert.ok(args.json && args.quiet);
  assert.is(parseInvokeArgs(["-h"]).help, true);
});

test("every usage error names its option and the accepted forms", () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /needs a runtime: --bootstrap PATH \(an executable\) or --handler FILE\.EXPORT \[--runtime node\|bun\|deno\]/],
    [["--bootstrap", "missing"], /--bootstrap: no such file: .*missing/],
    [["--bootstrap", "."], /--bootstrap must be an executable file/],
    [["--bootstrap", "plain.txt"], /--bootstrap: .*plain\.txt is not executable/],
    [["--bootstrap", "bootstrap", "--runtime", "deno"], /--runtime applies to --handler only/],
    [["--handler", "index.handler", "--runtime", "python"], /--runtime must be one of node, bun, deno, not "python"/],
    [["--handler", "handler"], /--handler must be FILE\.EXPORT \(e\.g\. index\.handler or src\/app\.main\), not "handler"/],
    [["--handler", "index."], /--handler must be FILE\.EXPORT/],
    [["--handler", "a.b/c"], /--handler must be FILE\.EXPORT/],
    [["--handler", "a.b", "--event", "{"], /--event: not valid JSON .*; give JSON text or @FILE/],
    [["--handler", "a.b", "--event", "@broken.json"], /--event @broken\.json: not valid JSON/],
    [["--handler", "a.b", "--event", "@none.json"], /--event @none\.json: cannot read .*none\.json: ENOENT/],
    [["--handler", "a.b", "--sampled", "true"], /--sampled must be 1, 0 or none, not "true"/],
    [["--handler", "a.b", "--timeout", "0"], /--timeout must be a number of seconds from 0\.1 to 900, not "0"/],
    [["--handler", "a.b", "--timeout", "901"], /--timeout must be a number of seconds from 0\.1 to 900/],
    [["--handler", "a.b", "--timeout", "3s"], /--timeout must be a number of seconds/],
    [["--handler", "a.b", "--memory", "128.5"], /--memory must be a whole number of MB from 128 to 10240, not "128\.5"/],
    [["--handler", "a.b", "--function-name", "has space"], /--function-name must be 1 to 64 letters, digits, - or _/],
    [["--handler", "a.b", "--region", "mars"], /--region must be a region name like us-east-1, not "mars"/],
    [["--handler", "a.b", "--task-root", "plain.txt"], /--task-root must be a directory, not "plain\.txt"/],
    [
      ["--handler", "a.b", "--daemon-address", "127.0.0.1"],
      /--daemon-address: invalid AWS_XRAY_DAEMON_ADDRESS "127\.0\.0\.1".*expected host:port/,
    ],
    [["--handler", "a.b", "--env", "1X=2"], /--env must be KEY=VALUE with KEY a variable name, not "1X=2"/],
    [["--handler", "a.b", "--client-context", "nope"], /--client-context: not valid JSON/],
    [["--handler", "a.b", "--cognito-identity", "{"], /--cognito-identity: not valid JSON/],
    [["--handler", "a.b", "--timeout"], /--timeout needs a value/],
    [["--handler", "a.b", "--timeout", "--json"], /--timeout needs a value/],
    [["--handler", "a.b", "--region", "us-east-1", "--region", "eu-west-1"], /--region given twice/],
    [["--handler", "a.b", "--json=yes"], /unknown option for invoke: --json=yes/],
    [["--handler", "a.b", "stray"], /unknown option for invoke: stray/],
  ];
  for (const [argv, message] of cases) {
    try {
      parseInvokeArgs(argv, tmp);
      assert.unreachable(`accepted: ${argv.join(" ")}`);
    } catch (e) {
      assert.instance(e, UsageError, `${argv.join(" ")}: ${String(e)}`);
      assert.match((e as Error).message, message);
    }
  }
});

test("--handler --runtime: node runs this node on dist/bootstrap.js, bun and deno come from node_modules/.bin", () => {
  assert.equal(runtimeCommand("node", "/pkg", "/usr/bin/node"), ["/usr/bin/node", "/pkg/dist/bootstrap.js"]);
  assert.equal(runtimeCommand("bun", "/pkg"), ["/pkg/node_modules/.bin/bun", "/pkg/dist/bootstrap.js"]);
  assert.equal(runtimeCommand("deno", "/pkg"), ["/pkg/node_modules/.bin/deno", "run", "-A", "/pkg/dist/bootstrap.js"]);
});

test("the package root is the first folder above the command's file whose package.json is named xray-edge", () => {
  assert.is(ownPackageRoot(), ROOT);
  const outer = path.join(tmp, "pkg");
  mkdirSync(path.join(outer, "node_modules/other/dist/bin"), { recursive: true });
  writeFileSync(path.join(outer, "package.json"), '{"name":"xray-edge"}');
  writeFileSync(path.join(outer, "node_modules/other/package.json"), '{"name":"other"}');
  assert.is(packageRoot(path.join(outer, "node_modules/other/dist/bin/xray-edge.js")), outer);
});

test("IDs: UUID request IDs, trace headers per sampling, log stream names", () => {
  const ids = new Set(Array.from({ length: 100 }, newRequestId));
  assert.is(ids.size, 100);
  for (const id of ids) assert.match(id, UUID);
  const now = Date.UTC(2026, 10, 24, 12, 0, 0);
  checkTraceHeader(newTraceHeader("1", now), "1", now, now);
  checkTraceHeader(newTraceHeader("0", now), "0", now, now);
  assert.match(newTraceHeader("1", now) ?? "", /^Root=1-6b057c40-/);
  assert.is(newTraceHeader("none", now), null);
  assert.match(logStreamName(now), /^2026\/11\/24\/\[\$LATEST\][0-9a-f]{32}$/);
});

test("a runtime's end in Lambda's words: exit status, Go's signal names, a spawn failure as the OS says it", () => {
  assert.is(describeExit({ code: 3, signal: null }), "Runtime exited with error: exit status 3");
  assert.is(describeExit({ code: 0, signal: null }), "Runtime exited without providing a reason");
  assert.is(describeExit({ code: null, signal: "SIGKILL" }), "Runtime exited with error: signal: killed");
  assert.is(describeExit({ code: null, signal: "SIGSEGV" }), "Runtime exited with error: signal: segmentation fault");
  assert.is(describeExit({ code: null, signal: "SIGWINCH" }), "Runtime exited with error: signal: SIGWINCH");
  assert.is(describeExit({ code: null, signal: null, spawnError: "spawn x ENOENT" }), "spawn x ENOENT");
});

test("JSON as a header value: line breaks as spaces, non-ASCII as \\u escapes, the value JSON.parse gives unchanged", () => {
  assert.is(jsonHeaderValue('{"a":\n\t"\u20ac\u007f"}'), '{"a":  "\\u20ac\\u007f"}');
  assert.is(jsonHeaderValue('["\ud83d\ude00", 1e400]'), '["\\ud83d\\ude00", 1e400]');
  assert.throws(() => jsonHeaderValue("{"), SyntaxError);
});

test("invoke() refuses what would break the next answer's headers, naming the option, before anything runs", async () => {
  const em = await startEmulator({ command: IDLE_COMMAND, quiet: true });
  try {
    const refusals: Array<[Parameters<typeof em.invoke>[1], RegExp]> = [
      [{ clientContext: "not json" }, /invoke: clientContext is not JSON/],
      [{ cognitoIdentity: "{" }, /invoke: cognitoIdentity is not JSON/],
      [{ traceHeader: "Root=1-a\nX: y" }, /invoke: traceHeader must be printable ASCII/],
    ];
    for (const [options, message] of refusals) {
      try {
        await em.invoke({}, options);
        assert.unreachable(JSON.stringify(options));
      } catch (e) {
        assert.instance(e, TypeError);
        assert.match((e as Error).message, message);
      }
    }
  } finally {
    await em.close();
  }
});

test("notBefore: never calls before the time has passed (Node's timers may fire a millisecond early)", async () => {
  const elapsed = await Promise.all(
    Array.from({ length: 20 }, (_, i) => {
      // Busy for 2 ms first: the loop's cached time is then behind, as after any synchronous work.
      for (const until = performance.now() + 2; performance.now() < until; );
      const from = performance.now();
      return new Promise<number>((resolve) =>
        notBefore(
          from,
          5 + i,
          () => resolve(performance.now() - from - (5 + i)),
          () => {},
        ),
      );
    }),
  );
  for (const over of elapsed) assert.ok(over >= 0, `called ${-over} ms early`);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));

test.run();
