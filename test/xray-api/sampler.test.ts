import { spawn } from "node:child_process";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createXRay, MemoryEmitter, Tracer } from "../../adapters/host/index.ts";
import { createCentralizedSampler, type SamplingTransport, type StatisticsDocument } from "../../adapters/xray-api/index.ts";
import { samplingRule } from "./helpers.ts";

// Centralized sampling through simulated time: the clock is a variable, the polls are driven by
// the test (poll: false), entropy is a constant (0xff: the fixed rate never samples below 1).

const rule = samplingRule;
const DEFAULT = rule("Default", 10000, { FixedRate: 0.05 });

/** A transport whose answers the test sets, recording what it was asked. */
interface Scripted extends SamplingTransport {
  pages: unknown[][];
  targets: unknown[];
  lastRuleModification: number | undefined;
  failing: boolean;
  asked: { rules: (string | undefined)[]; targets: StatisticsDocument[][] };
}

function scripted(): Scripted {
  const t: Scripted = {
    pages: [[DEFAULT]] as unknown[][],
    targets: [] as unknown[],
    lastRuleModification: undefined as number | undefined,
    failing: false,
    asked: { rules: [] as (string | undefined)[], targets: [] as StatisticsDocument[][] },
    name: "a test transport",
    async getRules(token: string | undefined) {
      t.asked.rules.push(token);
      if (t.failing) throw new Error("unreachable");
      const i = token === undefined ? 0 : Number(token);
      return { records: t.pages[i] ?? [], nextToken: i + 1 < t.pages.length ? String(i + 1) : undefined };
    },
    async getTargets(docs: StatisticsDocument[]) {
      t.asked.targets.push(docs);
      if (t.failing) throw new Error("unreachable");
      return { targets: t.targets, lastRuleModification: t.lastRuleModification };
    },
  };
  return t;
}

function setup() {
  const now = { t: 1_000_000 };
  const messages: string[] = [];
  const x = createXRay({ entropy: (b) => void b.fill(0xff) });
  const transport = scripted();
  const sampler = createCentralizedSampler({
    xray: x,
    clock: () => now.t,
    transport,
    poll: false,
    logger: { warn: (m) => void messages.push(m) },
  });
  return { now, messages, transport, sampler, x };
}

test("before any rules: the local rules decide; rules of every page apply by priority", async () => {
  const { transport, sampler, messages } = setup();
  assert.is(sampler.source, "local");
  assert.is(sampler.shouldSample({}).rule, "default", "the local default rule");
  transport.pages = [[rule("b", 2, { URLPath: "/b" }), DEFAULT], [rule("a", 1, { URLPath: "/a" })], [rule("c", 3, { URLPath: "/c" })]];
  await sampler.refreshRules();
  assert.equal(transport.asked.rules, [undefined, "1", "2"], "every page");
  assert.equal(sampler.ruleNames, ["a", "b", "c", "Default"]);
  assert.is(sampler.shouldSample({ urlPath: "/c", host: "h", method: "GET" }).rule, "c");
  assert.is(sampler.source, "centralized");
  assert.is(messages.filter((m) => m.includes("centralized sampling rules from a test transport decide")).length, 1);
});

test("borrowing until the quota comes; the quota per second while its TTL holds; counts reported under one client ID", async () => {
  const { now, transport, sampler } = setup();
  transport.pages = [[rule("r", 1, { ReservoirSize: 5 })]];
  await sampler.refreshRules();
  const second = () => Array.from({ length: 4 }, () => sampler.shouldSample({}).sampled);
  assert.equal(second(), [true, false, false, false], "one borrowed a second");
  transport.targets = [{ RuleName: "r", FixedRate: 0, ReservoirQuota: 2, ReservoirQuotaTTL: now.t + 10, Interval: 10 }];
  now.t += 1;
  await sampler.refreshTargets();
  const report = transport.asked.targets[0]!;
  assert.equal(report, [
    { RuleName: "r", RequestCount: 4, SampledCount: 1, BorrowCount: 1, ClientID: sampler.clientId, Timestamp: 1_000_001 },
  ]);
  assert.match(sampler.clientId, /^[0-9a-f]{24}$/);
  assert.equal(second(), [true, true, false, false], "the quota of 2");
  now.t += 11; // the TTL passed: borrowing again
  assert.equal(second(), [true, false, false, false]);
  await sampler.refreshTargets();
  assert.equal(transport.asked.targets[1]![0], {
    RuleName: "r",
    RequestCount: 8,
    SampledCount: 3,
    BorrowCount: 1,
    ClientID: sampler.clientId,
    Timestamp: 1_000_012,
  });
});

test("a rule change the targets report makes the sampler fetch the rules again", async () => {
  const { now, transport, sampler } = setup();
  transport.pages = [[rule("old", 1), DEFAULT]];
  await sampler.refreshRules();
  transport.pages = [[rule("new", 1), DEFAULT]];
  transport.lastRuleModification = now.t + 1;
  now.t += 5;
  await sampler.refreshTargets();
  assert.equal(sampler.ruleNames, ["new", "Default"]);
});

test("unreachable: the local rules decide, said once; rules not refreshed for an hour are stale", async () => {
  const { now, transport, sampler, messages } = setup();
  transport.failing = true;
  await sampler.refreshRules();
  await sampler.refreshRules();
  assert.is(messages.filter((m) => m.includes("could not be fetched")).length, 1, "said once");
  assert.is(sampler.shouldSample({}).rule, "default");
  transport.failing = false;
  transport.pages = [[rule("central", 1)]];
  await sampler.refreshRules();
  assert.is(sampler.shouldSample({}).rule, "central");
  transport.failing = true;
  now.t += 3599;
  await sampler.refreshRules();
  assert.is(sampler.shouldSample({}).rule, "central", "still fresh within the hour");
  now.t += 2;
  assert.is(sampler.shouldSample({}).rule, "default", "stale: the local rules");
  assert.is(sampler.source, "local");
  assert.ok(messages.some((m) => m.includes("stale")));
});

test("a Tracer samples with it, on host, method and path", async () => {
  const { transport, sampler, x } = setup();
  transport.pages = [[rule("never", 1, { URLPath: "/health", ReservoirSize: 0 }), rule("always", 2, { FixedRate: 1, ReservoirSize: 0 })]];
  await sampler.refreshRules();
  const emitter = new MemoryEmitter();
  const tracer = new Tracer({ xray: x, emitter, sampler });
  assert.is(tracer.beginSegment("a", { request: { urlPath: "/health", method: "GET", host: "h" } }).sampled, false);
  assert.is(tracer.beginSegment("b", { request: { urlPath: "/orders", method: "GET", host: "h" } }).sampled, true);
});

test("options are checked at construction", () => {
  assert.throws(() => createCentralizedSampler({ rulesIntervalMs: 0 }), /option "rulesIntervalMs" must be a number of milliseconds/);
  assert.throws(() => createCentralizedSampler({ transport: {} as never }), /option "transport" must be a SamplingTransport/);
  assert.throws(() => createCentralizedSampler({ daemonAddress: "nope" }), /nope/);
  assert.throws(() => createCentralizedSampler({ client: {} as never }), /option "client" must be an XRayClient/);
});

/** A stand-in for the daemon's TCP proxy: GetSamplingRules (paged) and SamplingTargets, unsigned. */
async function daemonStandIn() {
  const requests: { path: string; body: Record<string, any>; auth: string | undefined }[] = [];
  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let s = "";
      req.on("data", (c) => (s += c));
      req.on("end", () => resolve(s));
    });
  const server = createServer(async (req, res) => {
    const parsed = JSON.parse((await body(req)) || "{}");
    requests.push({ path: req.url ?? "", body: parsed, auth: req.headers.authorization });
    res.setHeader("content-type", "application/json");
    if (req.method === "POST" && req.url === "/GetSamplingRules") {
      const page =
        parsed.NextToken === "p2"
          ? { SamplingRuleRecords: [{ SamplingRule: DEFAULT }] }
          : { SamplingRuleRecords: [{ SamplingRule: rule("api", 1, { URLPath: "/api/*" }) }], NextToken: "p2" };
      return res.end(JSON.stringify(page));
    }
    if (req.method === "POST" && req.url === "/SamplingTargets") {
      return res.end(
        JSON.stringify({
          SamplingTargetDocuments: [
            { RuleName: "api", FixedRate: 0, ReservoirQuota: 7, ReservoirQuotaTTL: Date.now() / 1000 + 60, Interval: 10 },
          ],
          LastRuleModification: 0,
        }),
      );
    }
    res.statusCode = 404;
    res.end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { requests, port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(r)) };
}

test("through the daemon's TCP address: the documented paths and bodies, unsigned", async () => {
  const daemon = await daemonStandIn();
  try {
    const sampler = createCentralizedSampler({
      daemonAddress: `udp:127.0.0.1:2000 tcp:127.0.0.1:${daemon.port}`,
      poll: false,
      logger: { warn() {} },
    });
    await sampler.refreshRules();
    assert.equal(sampler.ruleNames, ["api", "Default"]);
    sampler.shouldSample({ urlPath: "/api/x" });
    await sampler.refreshTargets();
    assert.equal(
      daemon.requests.map((r) => [r.path, r.body.NextToken ?? null]),
      [
        ["/GetSamplingRules", null],
        ["/GetSamplingRules", "p2"],
        ["/SamplingTargets", null],
      ],
    );
    const docs = daemon.requests[2]!.body.SamplingStatisticsDocuments;
    assert.is(docs[0].RuleName, "api");
    assert.is(docs[0].RequestCount, 1);
    assert.is(docs[0].ClientID, sampler.clientId);
    assert.type(docs[0].Timestamp, "number");
    assert.ok(
      daemon.requests.every((r) => r.auth === undefined),
      "unsigned: the daemon signs",
    );
  } finally {
    await daemon.close();
  }
});

test("polling runs on timers, again and again; after close() nothing more is asked", async () => {
  const daemon = await daemonStandIn();
  try {
    const sampler = createCentralizedSampler({
      daemonAddress: `tcp:127.0.0.1:${daemon.port} udp:127.0.0.1:2000`,
      targetsIntervalMs: 100,
      logger: { warn() {} },
    });
    const targets = () => daemon.requests.filter((r) => r.path === "/SamplingTargets").length;
    const deadline = Date.now() + 10_000;
    while (targets() < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(targets() >= 2, "targets polled again and again");
    assert.is(daemon.requests[0]!.path, "/GetSamplingRules", "rules first");
    sampler.close();
    const count = daemon.requests.length;
    await sampler.refreshRules();
    await sampler.refreshTargets();
    assert.is(daemon.requests.length, count, "a closed sampler asks nothing");
  } finally {
    await daemon.close();
  }
});

test("inside Lambda it stays off: no request, the local rules decide, said once", async () => {
  const daemon = await daemonStandIn();
  try {
    const script = `
      import { createCentralizedSampler } from "./adapters/xray-api/index.ts";
      const said = [];
      const sampler = createCentralizedSampler({ daemonAddress: "tcp:127.0.0.1:${daemon.port} udp:127.0.0.1:2000", targetsIntervalMs: 100, logger: { warn: (m) => said.push(m) } });
      await sampler.refreshRules();
      await sampler.refreshTargets();
      console.log(JSON.stringify({ decision: sampler.shouldSample({ urlPath: "/api/x" }), source: sampler.source, said }));
    `;
    const child = spawn(process.execPath, ["--import", "./scripts/register.mjs", "--input-type=module", "-e", script], {
      cwd: new URL("../../", import.meta.url).pathname,
      env: { ...process.env, AWS_LAMBDA_FUNCTION_NAME: "my-function" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    assert.is(code, 0);
    const r = JSON.parse(out.trim().split("\n").pop()!);
    assert.equal(r.decision.rule, "default", "the local default rule");
    assert.is(r.source, "local");
    assert.is(r.said.filter((m: string) => m.includes("off inside Lambda")).length, 1);
    assert.is(daemon.requests.length, 0, "nothing asked of the daemon");
  } finally {
    await daemon.close();
  }
});

test("the polling timers never keep a process alive", async () => {
  const script = `
    import { createCentralizedSampler } from "./adapters/xray-api/index.ts";
    createCentralizedSampler({ daemonAddress: "tcp:127.0.0.1:9 udp:127.0.0.1:2000", logger: { warn() {} } });
    console.log("made");
  `;
  const child = spawn(process.execPath, ["--import", "./scripts/register.mjs", "--input-type=module", "-e", script], {
    cwd: new URL("../../", import.meta.url).pathname,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c) => (out += c));
  const code = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, 20_000);
    child.on("exit", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.is(code, 0, "the process ended by itself");
  assert.is(out.trim(), "made");
});

test.run();
