/**
 * What the UDP emitter loads, each a cold start's ms: the daemon at an IP literal (Lambda's
 * 169.254.79.129:2000, the default 127.0.0.1:2000) costs no node:dns (the socket's lookup answers
 * IP literals itself, node.ts, and resolve.ts imports node:dns only for a host name), and the
 * pacing's clock never loads perf_hooks (link.ts). Checked in a fresh process (the test runner's
 * has loaded both), through the built bundles, by Node's list of the built-ins it loaded.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { execFile } from "node:child_process";
import dgram from "node:dgram";

const SCRIPT = `
import { Tracer } from "./dist/index.js";
import { createUdpEmitter } from "./dist/udp.js";
const udp = createUdpEmitter({ address: process.argv[1] });
const tracer = new Tracer({ emitter: udp, logger: { warn() {} } });
tracer.beginSegment("one", { traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1" }).close();
await udp.flush();
const loaded = (re) => process.moduleLoadList.filter((m) => re.test(m));
console.log(JSON.stringify({ dns: loaded(/^NativeModule (dns|internal\\/dns\\/(callback_resolver|promises))$/), perf: loaded(/^NativeModule perf_hooks$/) }));
`;

/** Runs SCRIPT against a listener at `host`; returns the dns and perf_hooks modules it loaded and the names received. */
async function run(type: "udp4" | "udp6", host: string): Promise<{ dns: string[]; perf: string[]; names: string[] }> {
  const listener = dgram.createSocket(type);
  const names: string[] = [];
  listener.on("message", (m) => names.push(JSON.parse(m.toString().split("\n")[1]!).name));
  await new Promise<void>((r) => listener.bind(0, type === "udp6" ? "::1" : "127.0.0.1", () => r()));
  const address = host.includes(":") ? `[${host}]:${listener.address().port}` : `${host}:${listener.address().port}`;
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ["--input-type=module", "-e", SCRIPT, address], { timeout: 20_000 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const deadline = Date.now() + 5000;
    while (names.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return { ...JSON.parse(out.trim()), names };
  } finally {
    listener.close();
  }
}

test("an IPv4 literal: the datagram arrives, node:dns is never loaded", async () => {
  const { dns, names } = await run("udp4", "127.0.0.1");
  assert.equal(names, ["one"]);
  assert.equal(dns, []);
});

test("the emitter, its socket and its pacing load no perf_hooks", async () => {
  const { perf, names } = await run("udp4", "127.0.0.1");
  assert.equal(names, ["one"]);
  assert.equal(perf, []);
});

test("traceHandler's import, wrap and first invocation load no perf_hooks (its deadline's clock)", async () => {
  const script = `
process.env._X_AMZN_TRACE_ID = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
process.env.AWS_XRAY_DAEMON_ADDRESS = process.argv[1];
const { traceHandler } = await import("./dist/lambda.js");
await traceHandler(async () => 1)({}, { awsRequestId: "r", getRemainingTimeInMillis: () => 3000 });
console.log(JSON.stringify(process.moduleLoadList.filter((m) => m === "NativeModule perf_hooks")));
`;
  const listener = dgram.createSocket("udp4");
  await new Promise<void>((r) => listener.bind(0, "127.0.0.1", () => r()));
  try {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        ["--input-type=module", "-e", script, `127.0.0.1:${listener.address().port}`],
        { timeout: 20_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    assert.equal(JSON.parse(out.trim()), []);
  } finally {
    listener.close();
  }
});

test("an IPv6 literal: the datagram arrives, node:dns is never loaded", async () => {
  const { dns, names } = await run("udp6", "::1");
  assert.equal(names, ["one"]);
  assert.equal(dns, []);
});

test("a host name: node:dns is loaded to resolve it, and the datagram arrives", async () => {
  const { dns, names } = await run("udp4", "localhost");
  assert.equal(names, ["one"]);
  assert.ok(dns.includes("NativeModule dns"), `loaded: ${dns.join(", ")}`);
});

test.run();
