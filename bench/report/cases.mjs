// The report's rows, from each suite's own result object (bench/run.mjs gathers them): one row per
// case and runtime, xray-edge's median beside each peer's and each floor's, measured in the same
// run. A value a suite did not produce stays undefined and reads "n/a"; nothing is filled in.

/** section, case, runtime, unit; ours; peers and floors as { name: value }. */
function row(section, name, runtime, unit, ours, peers = {}, floors = {}) {
  const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
  return { section, case: name, runtime, unit, ours: ours ?? undefined, peers: defined(peers), floors: defined(floors) };
}

const MICRO = [
  ["header parse", "parse `Root=…;Parent=…;Sampled=1`"],
  ["segment ID", "new segment ID"],
  ["trace ID", "new trace ID"],
  ["sampling decision", "sampling decision, default rule"],
  ["sampling decision, 20 centralized rules", "sampling decision, 20 centralized rules"],
  ["segment + 3 subsegments", "segment + 3 subsegments, encoded"],
];

function micro(results) {
  const rows = [];
  for (const [runtime, cases] of Object.entries(results ?? {}))
    for (const [key, label] of MICRO) {
      const c = cases?.[key];
      if (!c) continue;
      const { "xray-edge": ours, minimum, ...peers } = c;
      rows.push(row("micro", label, runtime, "ns", ours, peers, { "hand-written minimum": minimum }));
    }
  return rows;
}

function udp(results) {
  return Object.entries(results ?? {}).map(([runtime, r]) =>
    row(
      "transport",
      "UDP end to end, per document",
      runtime,
      "µs",
      r?.ours,
      { "aws-xray-sdk-core": r?.aws },
      { "one bare send": r?.floor },
    ),
  );
}

function lambda(results) {
  if (!results) return [];
  const a = results.overhead?.apart ?? {};
  const added = results.cold?.added ?? {};
  return [
    row(
      "lambda",
      "invocation with 3 subsegments: traceHandler",
      "node",
      "+µs",
      a.ours,
      { "aws-xray-sdk-core": a.aws, "Powertools Tracer": a.powertools, "ADOT lite": a.adot },
      { "hand-written minimum": a.minimum },
    ),
    row("lambda", "  the same, `xray-edge/sdk-core` (import changed)", "node", "+µs", a["sdk-core"], { "aws-xray-sdk-core": a.aws }),
    row("lambda", "  the same, `xray-edge/powertools` (import changed)", "node", "+µs", a["edge-powertools"], {
      "Powertools Tracer": a.powertools,
    }),
    row(
      "lambda",
      "cold start: a traced first invocation adds",
      "node",
      "+ms",
      added.ours,
      { "aws-xray-sdk-core": added.aws, "Powertools Tracer": added.powertools, "ADOT lite": added.adot },
      { "hand-written minimum": added.minimum },
    ),
    row("lambda", "  the same, `xray-edge/sdk-core`", "node", "+ms", added["sdk-core"], { "aws-xray-sdk-core": added.aws }),
    row("lambda", "  the same, `xray-edge/powertools`", "node", "+ms", added["edge-powertools"], { "Powertools Tracer": added.powertools }),
  ];
}

/** bench/invocation.mjs: one warm invocation's parts, in one harness, beside the minimum's parts. */
function invocation(r) {
  const a = r?.added;
  if (!a) return [];
  return [
    row(
      "lambda",
      "one harness: the tracing logic alone (no-op emitter), wall",
      "node",
      "+µs",
      a["tracingLogicWallµs"],
      {},
      {
        "hand-written minimum without its send": a["minimumNoSendWallµs"],
      },
    ),
    row(
      "lambda",
      "one harness: traceHandler over UDP, wall",
      "node",
      "+µs",
      a["tracedUdpWallµs"],
      {},
      {
        "hand-written minimum": a["minimumWallµs"],
        "one send alone": a["sendWallµs"],
      },
    ),
    row(
      "lambda",
      "one harness: traceHandler over UDP, CPU",
      "node",
      "+µs",
      a["tracedUdpCpuµs"],
      {},
      {
        "hand-written minimum": a["minimumCpuµs"],
        "one send alone": a["sendCpuµs"],
      },
    ),
  ];
}

/**
 * The runtime loop (bench/runtime.mjs): the share tracing adds to a warm invocation beside the
 * hand-written minimum's and one datagram's, one at a time (warm round trip) and in batches at
 * concurrency 1 and 8, in wall time and in the runtime process's CPU time.
 */
function loop(results) {
  const rows = [];
  const shares = (name, runtime, c) =>
    row(
      "loop",
      name,
      runtime,
      "+%",
      c?.tracedAddedPct,
      {},
      { "hand-written minimum": c?.minimalAddedPct, "one datagram": c?.floorAddedPct },
    );
  for (const [runtime, r] of Object.entries(results ?? {})) {
    rows.push(shares("warm round trip, one invocation at a time: tracing adds", runtime, r?.roundTrip));
    for (const [level, c] of Object.entries(r?.concurrency ?? {})) {
      rows.push(shares(`concurrency ${level}, wall time: tracing adds`, runtime, c));
      if (c?.cpu) rows.push(shares(`concurrency ${level}, the runtime's CPU time: tracing adds`, runtime, c.cpu));
    }
    rows.push(row("loop", "cold start, spawn to the first traced response", runtime, "ms", r?.coldStartMs));
  }
  return rows;
}

/** xray-edge/http: what tracing adds to a keep-alive request, beside the bare round trip. */
function servers(results) {
  const rows = [];
  for (const [runtime, kinds] of Object.entries(results ?? {})) {
    if (typeof kinds !== "object") continue;
    for (const [kind, r] of Object.entries(kinds)) {
      rows.push(row("servers", `${kind}: tracing adds, every request sampled and sent`, runtime, "+µs", r.sampled - r.bare));
      rows.push(row("servers", `${kind}: tracing adds, default sampling`, runtime, "+µs", r.traced - r.bare));
      rows.push(row("servers", `${kind}: the bare request, for scale`, runtime, "µs", r.bare));
    }
  }
  return rows;
}

function startup(r, cold) {
  const rows = [];
  if (cold)
    rows.push(
      row(
        "startup",
        "a traced first invocation adds to a fresh process, CPU time",
        "node",
        "+ms",
        cold.oursAddedCpuMs,
        {},
        {
          "hand-written minimum": cold.floorAddedCpuMs,
          "minimum with the wasm core": cold.floorWasmAddedCpuMs,
        },
      ),
    );
  if (!r) return rows;
  return [
    ...rows,
    row(
      "startup",
      "import + instantiate + first segment ID, fresh process",
      "node",
      "ms",
      r.oursFirstId,
      { "aws-xray-sdk-core (require)": r.aws },
      { "hand-written minimum": r.floor, "minimum with a wasm core": r.floorWasm },
    ),
  ];
}

/** Snapshots after a collection, at 10,000 and at the run's total, with the floors measured beside. */
function memory(r) {
  if (!r) return [];
  const rows = [];
  const inv = r.invocations;
  if (inv) {
    const n = (count) => (count >= 1e6 ? `${count / 1e6}M` : `${count / 1e3}k`);
    for (const [label, snap] of [
      ["10k", inv.at10k],
      [n(inv.count), inv.atEnd],
    ]) {
      rows.push(row("memory", `after ${label} traced Lambda invocations: RSS`, "node", "B", snap?.rssBytes));
      rows.push(row("memory", `after ${label} traced Lambda invocations: JS heap used`, "node", "B", snap?.heapUsedBytes));
      rows.push(row("memory", `after ${label} traced Lambda invocations: wasm memory`, "node", "B", snap?.wasmBytes));
    }
    // RSS grows untraced too (each _X_AMZN_TRACE_ID written keeps the value it replaces): the floors say how much.
    rows.push(
      row(
        "memory",
        `RSS growth, 10k -> ${n(inv.count)} invocations`,
        "node",
        "±B",
        inv.rssDeltaBytes,
        {},
        {
          untraced: inv.floor?.rssDeltaBytes,
          "untraced + one bare send": inv.sendFloor?.rssDeltaBytes,
        },
      ),
    );
    rows.push(row("memory", `JS heap growth, 10k -> ${n(inv.count)} invocations`, "node", "±B", inv.heapUsedDeltaBytes));
    rows.push(row("memory", `wasm growth, 10k -> ${n(inv.count)} invocations`, "node", "±B", inv.wasmDeltaBytes));
  }
  const peak = r.largestTracePeakWasmBytes ?? r.fan?.peak;
  if (peak !== undefined)
    rows.push(row("memory", `peak wasm memory, the largest trace (${r.fan?.width} subsegments of 58 KB)`, "node", "B", peak));
  return rows;
}

function sizes(size, layers) {
  const rows = [];
  if (size) {
    rows.push(row("size", "main entry, bundled and minified", "any", "B", size.ours, { "aws-xray-sdk-core": size.aws }));
    rows.push(row("size", "  the same, gzipped", "any", "B", size.oursGzip, { "aws-xray-sdk-core": size.awsGzip }));
    if (size.handlerBytes !== undefined) {
      const floors = (beside) => ({
        "hand-written minimum": size.floorHandwrittenBytes,
        [`minimum with the wasm core ${beside ? "beside" : "embedded"}`]: beside
          ? size.floorWithWasmBesideBytes
          : size.floorWithWasmEmbeddedBytes,
      });
      rows.push(
        row("size", "handler bundle: lambda + fetch + aws-sdk, minified, wasm embedded", "node", "B", size.handlerBytes, {}, floors(false)),
      );
      rows.push(
        row("size", "  the same, the wasm shipped beside it (counted)", "node", "B", size.handlerWasmBesideBytes, {}, floors(true)),
      );
      rows.push(row("size", "  the same, gzipped", "node", "B", size.handlerGzipBytes));
    }
  }
  // Lambda's limits beside each layer: 50 MiB zipped for a direct upload, 250 MB unzipped in all.
  for (const [name, l] of Object.entries(layers?.layers ?? {})) {
    const limits = layers.limits ?? {};
    rows.push(row("size", `layer ${name}: zip`, "lambda", "B", l.zipBytes, {}, { "direct-upload limit": limits.directUploadZipBytes }));
    rows.push(row("size", `layer ${name}: unzipped`, "lambda", "B", l.unzippedBytes, {}, { "unzipped limit": limits.unzippedBytes }));
  }
  return rows;
}

export function collectCases(s) {
  return [
    ...micro(s.micro),
    ...udp(s.udp),
    ...lambda(s.lambda),
    ...invocation(s.invocation),
    ...loop(s.runtimes),
    ...servers(s.http),
    ...startup(s.startup, s.cold),
    ...memory(s.memory),
    ...sizes(s.size, s.layers),
  ];
}

export const SECTIONS = {
  micro: "Core work, one process per runtime",
  transport: "Transport",
  lambda: "Lambda (Node), each SDK in its own process",
  loop: "The custom runtime's loop, through the emulator",
  servers: "Servers (`xray-edge/http`), keep-alive requests one at a time",
  startup: "Start-up",
  memory: "Memory",
  size: "Sizes",
};
