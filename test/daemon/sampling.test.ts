/**
 * The daemon's TCP half: sampling rules and targets served from a local rules file, as AWS's
 * daemon proxies them, so that xray-edge/xray-api's centralized sampler works with no AWS account.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createXRay } from "../../adapters/host/index.ts";
import { createCentralizedSampler } from "../../adapters/xray-api/index.ts";
import { loadSamplingRules, PAGE_SIZE, startSamplingService } from "../../bin/daemon/sampling.ts";
import { startDaemonProcess, stopProcess, waitUntil } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "xray-edge-sampling-"));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
};

const LOCAL_V2 = {
  version: 2,
  rules: [
    { description: "health checks", host: "*", http_method: "GET", url_path: "/health", fixed_target: 0, rate: 0 },
    { description: "api", host: "*", http_method: "*", url_path: "/api/*", fixed_target: 2, rate: 1 },
  ],
  default: { fixed_target: 0, rate: 0 },
};

test("a local rules document becomes centralized rules in file order, its default as Default", () => {
  const rules = loadSamplingRules(file("v2.json", LOCAL_V2));
  assert.equal(
    rules.map((r) => [r.RuleName, r.Priority, r.ReservoirSize, r.FixedRate, r.HTTPMethod, r.URLPath]),
    [
      ["health_checks", 1, 0, 0, "GET", "/health"],
      ["api", 2, 2, 1, "*", "/api/*"],
      ["Default", 10000, 0, 0, "*", "*"],
    ],
  );
});

test("X-Ray's own form is taken as it is; without a file, X-Ray's default rule", () => {
  const rule = { RuleName: "r", Priority: 5, FixedRate: 0.5, ReservoirSize: 3, Host: "a.*", URLPath: "/x" };
  const rules = loadSamplingRules(file("xray.json", { SamplingRuleRecords: [{ SamplingRule: rule }] }));
  assert.equal([rules[0]!.RuleName, rules[0]!.Host, rules[0]!.ServiceName], ["r", "a.*", "*"]);
  assert.equal(loadSamplingRules(file("array.json", [rule])).length, 1);
  assert.equal(
    loadSamplingRules(undefined).map((r) => [r.RuleName, r.ReservoirSize, r.FixedRate]),
    [["Default", 1, 0.05]],
  );
});

test("a malformed rules file is a usage error naming the field", () => {
  assert.throws(() => loadSamplingRules(join(dir, "missing.json")), /--sampling-rules: cannot read/);
  assert.throws(() => loadSamplingRules(file("bad.json", "{nope")), /--sampling-rules: .* is not JSON/);
  assert.throws(
    () => loadSamplingRules(file("rate.json", [{ RuleName: "r", Priority: 1, FixedRate: 2, ReservoirSize: 0 }])),
    /\[0\]\.FixedRate must be a number from 0 to 1/,
  );
  assert.throws(
    () => loadSamplingRules(file("v9.json", { version: 9, default: { fixed_target: 1, rate: 0.1 } })),
    /--sampling-rules: .*"version" must be 1 or 2/,
  );
});

test("served rules page by 100; targets give each rule its reservoir as a quota", async () => {
  const many = Array.from({ length: 150 }, (_, i) => ({ RuleName: `r${i}`, Priority: i + 1, FixedRate: 0, ReservoirSize: i % 3 }));
  const service = await startSamplingService(
    { host: "127.0.0.1", port: 0, family: 4 },
    loadSamplingRules(file("many.json", many)),
    () => 1000,
  );
  try {
    const post = async (path: string, body: unknown) =>
      (await fetch(`http://127.0.0.1:${service.address.port}${path}`, { method: "POST", body: JSON.stringify(body) })).json();
    const first = await post("/GetSamplingRules", {});
    assert.is(first.SamplingRuleRecords.length, PAGE_SIZE);
    assert.is(first.NextToken, "100");
    const second = await post("/GetSamplingRules", { NextToken: first.NextToken });
    assert.is(second.SamplingRuleRecords.length, 50);
    assert.is(second.NextToken, undefined);
    const targets = await post("/SamplingTargets", {
      SamplingStatisticsDocuments: [{ RuleName: "r5", RequestCount: 1 }, { RuleName: "nope" }],
    });
    assert.equal(targets.SamplingTargetDocuments, [
      { RuleName: "r5", FixedRate: 0, ReservoirQuota: 2, ReservoirQuotaTTL: 1060, Interval: 10 },
    ]);
    const wrong = await fetch(`http://127.0.0.1:${service.address.port}/nope`);
    assert.is(wrong.status, 404);
    assert.equal(service.requests, { rules: 2, targets: 1, refused: 1 });
  } finally {
    await service.stop();
  }
});

test("xray-edge daemon --sampling-rules: a centralized sampler decides by the file's rules", async () => {
  const path = file("served.json", LOCAL_V2);
  const daemon = await startDaemonProcess(["--sampling-rules", path]);
  try {
    await waitUntil(() => /sampling rules on tcp 127\.0\.0\.1:\d+: 3 from/.test(daemon.stderr()), 20_000, "the sampling line");
    const port = /sampling rules on tcp 127\.0\.0\.1:(\d+)/.exec(daemon.stderr())![1];
    const x = createXRay({ entropy: (b) => void b.fill(0xff) });
    const sampler = createCentralizedSampler({
      xray: x,
      daemonAddress: `udp:127.0.0.1:${daemon.port} tcp:127.0.0.1:${port}`,
      poll: false,
      logger: { warn() {} },
    });
    await sampler.refreshRules();
    assert.equal(sampler.ruleNames, ["health_checks", "api", "Default"]);
    await sampler.refreshTargets();
    const decide = (urlPath: string, method = "GET") => sampler.shouldSample({ host: "h", method, urlPath });
    assert.equal(decide("/health"), { sampled: false, rule: "health_checks" });
    assert.equal(decide("/api/orders"), { sampled: true, rule: "api" });
    assert.equal(decide("/other"), { sampled: false, rule: "Default" });
    assert.is(sampler.source, "centralized");
  } finally {
    await stopProcess(daemon);
  }
});

test.run();
