/**
 * The setters against the environment, as with the peer: while AWS_XRAY_CONTEXT_MISSING or
 * AWS_XRAY_DAEMON_ADDRESS is set, setContextMissingStrategy and setDaemonAddress are ignored with
 * a warning (the variable wins), after their argument is checked all the same.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import AWSXRay from "../../adapters/sdk-core/index.ts";
import { registry } from "../../adapters/context/storage.ts";
import { readSettings } from "../../adapters/context/settings.ts";
import { type Daemon, daemon, recordingLogger, type Said } from "./helpers.ts";

for (const name of ["AWS_XRAY_DAEMON_ADDRESS", "AWS_XRAY_CONTEXT_MISSING", "LAMBDA_TASK_ROOT", "_X_AMZN_TRACE_ID"])
  delete process.env[name];
registry().settings = readSettings({});

let d: Daemon;
const said: Said[] = [];
test.before(async () => {
  d = await daemon();
  AWSXRay.setLogger(recordingLogger(said));
});
test.after(() => d.close());

test("AWS_XRAY_CONTEXT_MISSING set: setContextMissingStrategy is ignored with a warning; a bad value still throws", () => {
  process.env.AWS_XRAY_CONTEXT_MISSING = "IGNORE_ERROR";
  registry().settings = readSettings(process.env);
  try {
    AWSXRay.setContextMissingStrategy("RUNTIME_ERROR");
    assert.is(AWSXRay.getSegment(), undefined, "IGNORE_ERROR, the variable's, still applies: no throw");
    assert.ok(said.some((s) => s.level === "warn" && /AWS_XRAY_CONTEXT_MISSING is set/.test(s.message)));
    assert.throws(() => AWSXRay.setContextMissingStrategy("NEVER" as "LOG_ERROR"), /invalid strategy/);
  } finally {
    delete process.env.AWS_XRAY_CONTEXT_MISSING;
    registry().settings = readSettings({});
  }
});

test("AWS_XRAY_DAEMON_ADDRESS set: setDaemonAddress is ignored with a warning; without it, documents go to the address given", async () => {
  process.env.AWS_XRAY_DAEMON_ADDRESS = "127.0.0.1:9";
  try {
    said.length = 0;
    AWSXRay.setDaemonAddress(d.address);
    assert.ok(said.some((s) => s.level === "warn" && /AWS_XRAY_DAEMON_ADDRESS is set/.test(s.message)));
    assert.throws(() => AWSXRay.setDaemonAddress("no-port"), /setDaemonAddress: invalid address/);
  } finally {
    delete process.env.AWS_XRAY_DAEMON_ADDRESS;
  }
  AWSXRay.setDaemonAddress(d.address);
  new AWSXRay.Segment("to-the-address").close();
  const [doc] = await d.received(1);
  assert.is(doc!.name, "to-the-address");
});

test.run();
