/**
 * The `xray-edge` dispatcher and the daemon's command line, as real processes: help, unknown
 * commands and options, bad addresses, the address taken from AWS_XRAY_DAEMON_ADDRESS, SIGINT.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { childEnv, datagram, freeUdpPort, runCli, segmentDoc, sendDatagrams, withTimeout } from "./helpers.ts";

async function run(args: string[], env = childEnv()): Promise<{ code: number | null; out: string; err: string }> {
  const proc = runCli(args, env);
  try {
    const code = await withTimeout(proc.exited, 20_000, `xray-edge ${args.join(" ")}`);
    return { code, out: proc.stdout(), err: proc.stderr() };
  } finally {
    proc.kill();
  }
}

test("--help lists the commands", async () => {
  const { code, out } = await run(["--help"]);
  assert.is(code, 0);
  assert.match(out, /^Usage: xray-edge <command> \[options\]/);
  assert.match(out, /\n {2}daemon {2}local X-Ray daemon/);
});

test("no command, or an unknown one: a message and exit 2", async () => {
  const none = await run([]);
  assert.is(none.code, 2);
  assert.match(none.err, /Usage: xray-edge/);
  const unknown = await run(["teleport"]);
  assert.is(unknown.code, 2);
  assert.match(unknown.err, /unknown command "teleport"/);
});

test("daemon --help, and unknown options exit 2", async () => {
  const help = await run(["daemon", "--help"]);
  assert.is(help.code, 0);
  assert.match(help.out, /Usage: xray-edge daemon \[options\]/);
  assert.match(help.out, /--forward/);
  const bad = await run(["daemon", "--bogus"]);
  assert.is(bad.code, 2);
  assert.match(bad.err, /unknown option for daemon: --bogus/);
  const noRegion = await run(["daemon", "--forward"], childEnv({ AWS_REGION: "", AWS_DEFAULT_REGION: "" }));
  assert.is(noRegion.code, 2);
  assert.match(noRegion.err, /--forward needs --region/);
});

test("a bad address exits 2 naming where it came from: --address, or the environment", async () => {
  const flag = await run(["daemon", "--address", "not an address"]);
  assert.is(flag.code, 2);
  assert.match(flag.err, /^xray-edge daemon: --address: not an address: "not an address": .*expected host:port/);
  assert.not.match(flag.err, /AWS_XRAY_DAEMON_ADDRESS/);
  assert.not.match(flag.err, /\n\s+at /); // no stack trace
  const env = await run(["daemon"], childEnv({ AWS_XRAY_DAEMON_ADDRESS: "127.0.0.1:notaport" }));
  assert.is(env.code, 2);
  assert.match(env.err, /AWS_XRAY_DAEMON_ADDRESS/);
});

test("listens on AWS_XRAY_DAEMON_ADDRESS (udp/tcp form), and SIGINT prints the summary and exits 0", async () => {
  const port = await freeUdpPort();
  const proc = runCli(["daemon", "--json"], childEnv({ AWS_XRAY_DAEMON_ADDRESS: `tcp:127.0.0.1:${port + 1} udp:127.0.0.1:${port}` }));
  try {
    await proc.waitFor(() => proc.stderr().includes("listening"), 20_000, "the listening line");
    assert.match(proc.stderr(), new RegExp(`^xray-edge daemon listening on udp 127\\.0\\.0\\.1:${port}\\n`));
    await sendDatagrams(port, [datagram(segmentDoc({ name: "via-env" })), "junk"]);
    await proc.waitFor(() => proc.stdout().split("\n").length > 2, 10_000, "two JSON lines");
    proc.child.kill("SIGINT");
    const code = await withTimeout(proc.exited, 10_000, "exit after SIGINT");
    assert.is(code, 0);
    assert.match(proc.stderr(), /xray-edge daemon: received 2, dropped 1, invalid 0, traces 1\b/);
  } finally {
    proc.kill();
  }
});

test("a port already in use exits 1 with a message", async () => {
  const first = runCli(["daemon", "--address", `127.0.0.1:${await freeUdpPort()}`]);
  try {
    await first.waitFor(() => first.stderr().includes("listening"), 20_000, "the first daemon");
    const port = /:(\d+)\n/.exec(first.stderr())?.[1] ?? "0";
    const second = await run(["daemon", "--address", `127.0.0.1:${port}`]);
    assert.is(second.code, 1);
    assert.match(second.err, /cannot listen on udp 127\.0\.0\.1:\d+: .*EADDRINUSE/);
  } finally {
    first.kill();
  }
});

test.run();
