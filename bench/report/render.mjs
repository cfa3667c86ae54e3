// The report, written out: the console table bench/run.mjs prints and the README's performance
// section (renderMarkdown), both from results.json's cases and targets and nothing else.
import { formatRatio, formatValue } from "./format.mjs";
import { SECTIONS } from "./cases.mjs";

const peersText = (c) =>
  Object.entries(c.peers)
    .map(([name, v]) => `${name} ${formatValue(v, c.unit)}${c.ours === undefined ? "" : ` (${formatRatio(v, c.ours)})`}`)
    .join("; ");
// A floor is read the other way round: how many times the floor xray-edge costs.
const floorsText = (c) =>
  Object.entries(c.floors)
    .map(([name, v]) => {
      const k = c.ours === undefined ? "" : formatRatio(c.ours, v);
      return `${name} ${formatValue(v, c.unit)}${k ? ` (xray-edge ${k})` : ""}`;
    })
    .join("; ");

function bySection(cases) {
  const groups = new Map();
  for (const c of cases) {
    if (!groups.has(c.section)) groups.set(c.section, []);
    groups.get(c.section).push(c);
  }
  return groups;
}

export function printReport({ cases, targets }) {
  const out = [];
  for (const [section, rows] of bySection(cases)) {
    out.push(`\n${SECTIONS[section] ?? section}`);
    const w = Math.max(...rows.map((c) => c.case.length));
    for (const c of rows) {
      const extra = [peersText(c), floorsText(c)].filter(Boolean).join("   ");
      out.push(`  ${c.case.padEnd(w)}  ${c.runtime.padEnd(5)} ${formatValue(c.ours, c.unit).padStart(10)}   ${extra}`);
    }
  }
  out.push("\ntargets (ratios measured in this run)");
  const w = Math.max(...targets.map((t) => t.what.length));
  for (const t of targets) out.push(`  ${t.verdict.padEnd(4)}  ${t.what.padEnd(w)}  ${t.measured}   goal ${t.goal}`);
  return out.join("\n");
}

const cell = (s) => String(s).replaceAll("|", "\\|");
const table = (head, rows) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)].join("\n");

/** The README's generated performance section (between the markers), from results.json alone. */
export function renderMarkdown(results) {
  const { meta, cases, targets } = results;
  const parts = [
    `Run of ${meta.date} on ${meta.machine}: ${Object.entries(meta.runtimes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}; a fresh \`node -e 0\` took ${formatValue(meta.nodeStartMs, "ms")} (the machine's speed that day). ` +
      `Reproduce with \`${meta.command}\`. In brackets: a peer's figure over xray-edge's (higher is better for xray-edge), ` +
      "and xray-edge's over a floor's (1.0× is the floor).",
  ];
  for (const [section, rows] of bySection(cases)) {
    parts.push(`**${SECTIONS[section] ?? section}**`);
    parts.push(
      table(
        ["case", "runtime", "xray-edge", "peers", "floors"],
        rows.map((c) => [c.case, c.runtime, formatValue(c.ours, c.unit), peersText(c), floorsText(c)]),
      ),
    );
  }
  parts.push("**Targets**");
  parts.push(
    table(
      ["issue", "target", "measured", "goal", "verdict"],
      targets.map((t) => [t.issue, t.what, t.measured, t.goal, t.verdict]),
    ),
  );
  return parts.join("\n\n");
}

/** docs/migration.md's cost table: each migration path's Lambda figures, from the lambda suite. */
export function renderMigration(results) {
  const lambda = results.suites?.lambda;
  const apart = lambda?.overhead?.apart ?? {};
  const added = lambda?.cold?.added ?? {};
  const paths = [
    ["aws-xray-sdk-core", "aws"],
    ["`xray-edge/sdk-core` (import changed)", "sdk-core"],
    ["Powertools Tracer", "powertools"],
    ["`xray-edge/powertools` (import changed)", "edge-powertools"],
    ["ADOT's lite mode (OpenTelemetry)", "adot"],
    ["`traceHandler` and `captureAsync` (xray-edge's own)", "ours"],
    ["the hand-written minimum (a floor, not an SDK)", "minimum"],
  ];
  const rows = paths
    .filter(([, key]) => apart[key] !== undefined || added[key] !== undefined)
    .map(([name, key]) => [name, formatValue(apart[key], "+µs"), formatValue(added[key], "+ms")]);
  return [
    `Run of ${results.meta.date} (\`${results.meta.command}\`, its lambda suite; a fresh \`node -e 0\` took ${formatValue(results.meta.nodeStartMs, "ms")} that day).`,
    table(["path", "per invocation", "cold start added"], rows),
  ].join("\n\n");
}
