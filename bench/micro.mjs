// Side-by-side micro benchmarks in one process per runtime (Node, Bun, Deno). Each case runs ours,
// the peers and the hand-written minimum (minimum.mjs) in alternating rounds (the machine's noise
// hits all alike); a figure is the median of the rounds' averages, in ns.
import { measure } from "mitata";
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { CentralizedRules, Tracer, Sampler, parseTraceHeader, newSegmentId, newTraceId } from "../dist/index.js";
import { HEADER, oursSegment, awsSegment } from "./workload.mjs";
import { minimumParse, minimumSegment, minimumSegmentId, minimumSentBytes, minimumTraceId } from "./minimum.mjs";

const peers = createRequire(import.meta.url)("./peers.cjs");

let ourBytes = 0;
const tracer = new Tracer({ emitter: { send: (d) => void (ourBytes += d.length), flush: async () => {} } });
const sampler = new Sampler();
const request = { host: "api.example.com", method: "GET", urlPath: "/orders/7" };

// 20 centralized rules, as GetSamplingRules gives them; the request matches the 20th (the last
// before Default), so every rule is tried, as in a busy account's rule set.
const centralRules = [
  ...Array.from({ length: 19 }, (_, i) => ({
    RuleName: `rule-${String(i).padStart(2, "0")}`,
    Priority: i + 1,
    FixedRate: 0.1,
    ReservoirSize: 1,
    ServiceName: "*",
    ServiceType: "*",
    Host: `svc-${i}.example.com`,
    HTTPMethod: "*",
    URLPath: `/path-${i}/*`,
    ResourceARN: "*",
    Version: 1,
  })),
  {
    RuleName: "orders",
    Priority: 50,
    FixedRate: 0.1,
    ReservoirSize: 1,
    ServiceName: "*",
    ServiceType: "*",
    Host: "api.*",
    HTTPMethod: "GET",
    URLPath: "/orders/*",
    ResourceARN: "*",
    Version: 1,
  },
  {
    RuleName: "Default",
    Priority: 10000,
    FixedRate: 0.05,
    ReservoirSize: 1,
    ServiceName: "*",
    ServiceType: "*",
    Host: "*",
    HTTPMethod: "*",
    URLPath: "*",
    ResourceARN: "*",
    Version: 1,
  },
];
const central = new CentralizedRules();
central.setRules(centralRules);
const awsCentral = peers.awsCentralSampler(centralRules, Math.floor(Date.now() / 1000));

/** name → { ours, peers: { name: fn } } */
export const cases = {
  "header parse": {
    ours: () => parseTraceHeader(HEADER),
    peers: {
      "aws-xray-sdk-core": () => peers.awsParse(HEADER),
      "otel propagator": () => peers.otelExtract(peers.otelPropagator, { "x-amzn-trace-id": HEADER }),
    },
    minimum: () => minimumParse(HEADER),
  },
  "segment ID": {
    ours: () => newSegmentId(),
    peers: { "aws-xray-sdk-core": () => peers.awsSegmentId(), "otel id generator": () => peers.otelIds.generateSpanId() },
    minimum: () => minimumSegmentId(),
  },
  "trace ID": {
    ours: () => newTraceId(),
    peers: { "aws-xray-sdk-core": () => peers.awsTraceId(), "otel id generator": () => peers.otelIds.generateTraceId() },
    minimum: () => minimumTraceId(),
  },
  "sampling decision": {
    ours: () => sampler.shouldSample(request),
    peers: {
      "aws-xray-sdk-core": () =>
        peers.awsSampler.shouldSample({ host: request.host, httpMethod: request.method, urlPath: request.urlPath }),
    },
  },
  "sampling decision, 20 centralized rules": {
    ours: () => central.shouldSample(request),
    peers: {
      "aws-xray-sdk-core": () =>
        awsCentral.shouldSample({ host: request.host, httpMethod: request.method, urlPath: request.urlPath, serviceType: "" }),
    },
  },
  "segment + 3 subsegments": {
    ours: () => oursSegment(tracer),
    peers: { "aws-xray-sdk-core": () => awsSegment(peers.AWSXRay) }, // its close() formats and "sends" through the stubbed socket
    minimum: () => minimumSegment(HEADER),
  },
};

/** The cases in this process: name → { "xray-edge": ns, peer: ns, ..., minimum?: ns }. */
export async function microHere({ rounds = 5, quick = false } = {}) {
  // Shorter runs than mitata's default under-warm V8 (the figures were off 5-10x): quick mode
  // runs fewer rounds, not shorter ones.
  const opts = { min_cpu_time: 300e6 };
  const results = {};
  for (const [name, c] of Object.entries(cases)) {
    const fns = { "xray-edge": c.ours, ...c.peers, ...(c.minimum ? { minimum: c.minimum } : {}) };
    const samples = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
    for (let r = 0; r < (quick ? 1 : rounds); r++) {
      for (const [k, fn] of Object.entries(fns)) samples[k].push((await measure(fn, opts)).avg);
    }
    const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    results[name] = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
    const ours = results[name]["xray-edge"];
    const line = Object.entries(results[name])
      .map(([k, ns]) => `${k} ${fmt(ns)}${k === "xray-edge" ? "" : ` (${(ns / ours).toFixed(1)}x)`}`)
      .join("   ");
    console.log(`${name.padEnd(32)} ${line}`);
  }
  if ("segment + 3 subsegments" in results && (ourBytes === 0 || peers.sentBytes() === 0 || minimumSentBytes() === 0))
    throw new Error("a segment benchmark sent nothing: it measured no encoding");
  return results;
}

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
// Each runtime resolves the same node_modules (Deno: as the Deno layer does, --node-modules-dir=manual).
const RUNTIMES = {
  node: [process.execPath],
  bun: [`${root}node_modules/.bin/bun`, "run"],
  deno: [`${root}node_modules/.bin/deno`, "run", "-A", "--node-modules-dir=manual"],
};

/** The cases on each runtime, each in a fresh process of its own: runtime → microHere's result. */
export function runMicro({ quick = false, runtimes = Object.keys(RUNTIMES) } = {}) {
  const results = {};
  for (const runtime of runtimes) {
    const [cmd, ...args] = RUNTIMES[runtime];
    console.log(`micro, ${runtime}:`);
    const r = spawnSync(cmd, [...args, self, "--child", ...(quick ? ["--quick"] : [])], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
      timeout: 900_000,
    });
    const lines = (r.stdout ?? "").trim().split("\n");
    for (const line of lines.slice(0, -1)) console.log(`  ${line}`);
    if (r.status !== 0) throw new Error(`micro on ${runtime} failed (${r.status ?? r.error})`);
    results[runtime] = JSON.parse(lines.at(-1));
  }
  return results;
}

if (process.argv[1] === self && process.argv.includes("--child")) {
  const results = await microHere({ quick: process.argv.includes("--quick") });
  console.log(JSON.stringify(results));
}

function fmt(ns) {
  return ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`;
}
