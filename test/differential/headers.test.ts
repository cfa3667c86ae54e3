/**
 * Differential test of X-Amzn-Trace-Id parsing against aws-xray-sdk-core.
 *
 * Corpus: the hand-written cases of headers.json, a few constructed ones (lengths around the
 * 8,192-character limit) and headers from a seeded generator (the same ones on every run). Each is
 * read by our parseTraceHeader and by the peer's own path for an incoming request
 * (`middleware.traceRequestResponseCycle`: processTraceData, then `new Segment(name, root, parent)`,
 * then resolveSampling with a stub sampler), and root, parent and sampled are compared:
 *
 * - root: the trace the request joins. The peer joins a trace when two segments built from the
 *   same header get the same trace_id (otherwise it made up a new one, as we do without a Root).
 * - parent: the segment's parent_id.
 * - sampled: true / false when the header decided, 'requested' when the peer asked the sampler
 *   and answers with a header (Sampled=?), undefined when it asked the sampler.
 *
 * Every disagreement must fall into one of the named categories of docs/compatibility.md
 * (CATEGORIES below); any other fails the test. A category that rests on a difference of parsing
 * (whitespace, '=' in values, empty values) only counts when removing that difference from the
 * header makes us agree with the peer while leaving the peer's answer as it was.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseTraceHeader } from "../../adapters/host/index.ts";
import corpus from "./headers.json" with { type: "json" };

const require = createRequire(import.meta.url);
// The peer's API is used untyped: internals (middleware.sampler) are part of what is exercised.
const AWSXRay: any = require("aws-xray-sdk-core");

type Field = "root" | "parent" | "sampled";
type Sampled = boolean | "requested" | undefined;
interface View {
  root?: string | undefined;
  parent?: string | undefined;
  sampled?: Sampled;
}

/** The categories of docs/compatibility.md ("Trace headers"), each with its reason. */
const CATEGORIES = {
  "header-too-long": "headers over 8,192 characters are no header for us; the peer reads any length",
  "root-malformed": "we reject a Root that is not 1-<8 hex>-<24 hex>; the peer joins what its TraceID.FromString makes of it",
  "root-case": "we lower-case the whole trace ID; the peer lower-cases only the time part (it goes through parseInt)",
  "parent-malformed": "we leave out a Parent that is not 16 hex digits or is all zero; the peer uses any non-empty text",
  "parent-case": "we lower-case the Parent; the peer keeps it as sent",
  "no-valid-root": "without a valid Root we ignore Parent and Sampled too; the peer applies them to a new trace",
  "equals-in-value": "a value runs to the next ';' for us; the peer cuts it at its second '='",
  "empty-value": "an empty value is the last occurrence of its key for us; the peer skips it and keeps an earlier one",
  "unicode-whitespace":
    "we trim ASCII whitespace (space, tab, CR, LF, VT, FF) around keys and values; the peer trims Unicode whitespace too (NBSP, BOM, U+2028, ...)",
} as const;
type Category = keyof typeof CATEGORIES;

// ---------------------------------------------------------------------------------------------
// The peer, silenced, with a sampler that only records that it was asked.

AWSXRay.setLogger({ error() {}, warn() {}, info() {}, debug() {} });
AWSXRay.middleware.setDefaultName("differential");
let samplerAsked = false;
AWSXRay.middleware.sampler = {
  shouldSample() {
    samplerAsked = true;
    return true;
  },
};

function peerRequest(header: string) {
  const req = { headers: { "x-amzn-trace-id": header, host: "example.com" }, method: "GET", url: "/" };
  let answered: string | undefined;
  const res = { req, header: (_name: string, value: string) => void (answered = value), on() {} };
  samplerAsked = false;
  const segment = AWSXRay.middleware.traceRequestResponseCycle(req, res);
  return {
    traceId: segment.trace_id as string,
    parentId: segment.parent_id as string | undefined,
    notTraced: segment.notTraced === true,
    asked: samplerAsked,
    answered,
  };
}

function peerView(header: string): View {
  const a = peerRequest(header);
  const b = peerRequest(header);
  return {
    root: a.traceId === b.traceId ? a.traceId : undefined,
    parent: a.parentId,
    sampled: !a.asked ? !a.notTraced : a.answered !== undefined ? "requested" : undefined,
  };
}

function ourView(header: string): View {
  const h = parseTraceHeader(header);
  return { root: h?.root, parent: h?.parent, sampled: h?.sampled };
}

// ---------------------------------------------------------------------------------------------
// Classification.

const TRACE_ID = /^1-[0-9a-fA-F]{8}-[0-9a-fA-F]{24}$/;
const SEGMENT_ID = /^[0-9a-fA-F]{16}$/;

/** Rewrites each `;`-separated field's key and value (split at the first '='). */
function mapFields(header: string, f: (key: string, value: string) => string | null): string {
  return header
    .split(";")
    .map((part) => {
      const eq = part.indexOf("=");
      return eq < 0 ? part : f(part.slice(0, eq), part.slice(eq + 1));
    })
    .filter((part): part is string => part !== null)
    .join(";");
}

/**
 * Header rewrites, each removing one documented difference of parsing. Each keeps the peer's
 * reading (checked: a rewrite that changes the peer's answer does not count).
 */
const REWRITES: [Category, (header: string) => string][] = [
  // Unicode-trim keys and values; a value of whitespace only stays non-empty, as it is for the peer.
  ["unicode-whitespace", (h) => mapFields(h, (k, v) => `${k.trim() || (k ? " " : "")}=${v.trim() || (v ? " " : "")}`)],
  ["equals-in-value", (h) => mapFields(h, (k, v) => `${k}=${v.split("=")[0]}`)],
  // The peer skips a field whose text between the first and second '=' is empty.
  ["empty-value", (h) => mapFields(h, (k, v) => (v.split("=")[0] === "" ? null : `${k}=${v}`))],
];
/** Every non-empty combination of the rewrites, fewest first. */
const COMBINATIONS = [1, 2, 3, 4, 5, 6, 7].map((mask) => REWRITES.filter((_, i) => mask & (1 << i))).sort((a, b) => a.length - b.length);

const agreesWith = (o: unknown, p: unknown) => o === p || (typeof o === "string" && typeof p === "string" && o === p.toLowerCase());

/** Differences in the value read, for a field both SDKs read from the same text. */
function valueCategory(field: Field, header: string, o: unknown, p: unknown): Category | undefined {
  if (field === "root" && typeof o === "string" && typeof p === "string" && o === p.toLowerCase()) return "root-case";
  if (field === "parent" && typeof o === "string" && typeof p === "string" && o === p.toLowerCase()) return "parent-case";
  if (field === "root" && o === undefined && p !== undefined) {
    const raw = AWSXRay.utils.processTraceData(header).root as string | undefined;
    if (raw !== undefined && !TRACE_ID.test(raw.trim())) return "root-malformed";
  }
  if (field === "parent" && o === undefined && typeof p === "string" && (!SEGMENT_ID.test(p) || /^0+$/.test(p))) return "parent-malformed";
  return undefined;
}

function classify(field: Field, header: string, ours: View, peer: View, oursParsed: boolean): Category | undefined {
  const o = ours[field];
  const p = peer[field];
  if (!oursParsed && header.length > 8192) return "header-too-long";
  if (!oursParsed && field !== "root") return "no-valid-root";
  const direct = valueCategory(field, header, o, p);
  if (direct) return direct;
  // A difference of parsing (which text is the field's value): once the header is rewritten
  // without it, we must agree with the peer or differ only in the value read (above).
  for (const combination of COMBINATIONS) {
    const rewritten = combination.reduce((h, [, rewrite]) => rewrite(h), header);
    if (rewritten === header || peerView(rewritten)[field] !== p) continue;
    const again = ourView(rewritten)[field];
    if (agreesWith(again, p) || valueCategory(field, rewritten, again, p)) return combination[0]![0];
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The corpus: hand-written, constructed, generated.

const R = "1-5759e988-bd862e3fe1be46a994272793";
const P = "53995c3f42cd8ad8";

function constructed(): { name: string; input: string }[] {
  const base = `Root=${R};Parent=${P};Sampled=1;Pad=`;
  const pad = (total: number) => base + "p".repeat(total - base.length);
  return [
    { name: "8,192 characters exactly", input: pad(8192) },
    { name: "8,193 characters", input: pad(8193) },
    { name: "20,000 characters", input: pad(20000) },
    { name: "8,193 characters of which the Root comes last", input: `${"X=y;".repeat(2048)}Root=${R};S=1`.slice(-8193) },
    { name: "8,193 characters with a malformed Root", input: `Root=1-bad;Parent=${P};Sampled=1;Pad=`.padEnd(8193, "q") },
    { name: "1,000 empty fields then Root", input: `${";".repeat(1000)}Root=${R};Sampled=0` },
    {
      name: "500 repeated Roots",
      input: Array.from({ length: 500 }, (_, i) => `Root=1-5759e988-${i.toString(16).padStart(24, "0")}`).join(";"),
    },
    { name: "a 4,000-character extra value", input: `Root=${R};Parent=${P};Big=${"b".repeat(4000)};Sampled=1` },
    { name: "a 4,000-character Parent", input: `Root=${R};Parent=${"5".repeat(4000)};Sampled=1` },
    { name: "a 4,000-character Sampled", input: `Root=${R};Sampled=${"1".repeat(4000)}` },
  ];
}

/** A small seeded generator (xorshift32): the same corpus on every run. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const HEX = "0123456789abcdef";
const WHITESPACE = [" ", "\t", "\u00a0", "\ufeff", "\u2028", "\u3000", "\r\n", "\u000b"];
const CHARS = [
  "a",
  "Z",
  "0",
  "9",
  "f",
  "F",
  "-",
  "=",
  ";",
  " ",
  "\t",
  "?",
  "\u00e9",
  "\u65e5",
  "\ud83d\ude00",
  "\u00a0",
  ",",
  '"',
  "\u0000",
  "\\",
];

function generated(count: number, seed: number): { name: string; input: string }[] {
  const g = rng(seed);
  const hex = (n: number, upper = false) => {
    let s = "";
    for (let i = 0; i < n; i++) s += HEX[g.int(16)]!;
    return upper ? s.toUpperCase() : s;
  };
  const junk = (max: number) => {
    let s = "";
    for (let i = g.int(max + 1); i > 0; i--) s += g.pick(CHARS);
    return s;
  };
  const pad = (v: string) => {
    const r = g.next();
    if (r < 0.7) return v;
    if (r < 0.85) return g.pick(WHITESPACE) + v;
    return v + g.pick(WHITESPACE);
  };
  const rootValue = () => {
    const valid = `1-${hex(8)}-${hex(24)}`;
    switch (g.int(12)) {
      case 0:
      case 1:
      case 2:
        return valid;
      case 3:
        return valid.toUpperCase();
      case 4:
        return `1-${hex(8)}-${hex(24, true)}`;
      case 5:
        return `${g.pick(["0", "2", "01", "", "x"])}-${hex(8)}-${hex(24)}`;
      case 6:
        return `1-${hex(g.int(11))}-${hex(24)}`;
      case 7:
        return `1-${hex(8)}-${hex(g.int(30))}`;
      case 8:
        return valid + g.pick(["=", "=x", "==", "-0", " x", "\u0000"]);
      case 9:
        return "";
      case 10:
        return junk(20);
      default: {
        const i = g.int(valid.length);
        return valid.slice(0, i) + g.pick(CHARS) + valid.slice(i + 1);
      }
    }
  };
  const parentValue = () => {
    switch (g.int(9)) {
      case 0:
      case 1:
      case 2:
        return hex(16);
      case 3:
        return hex(16, true);
      case 4:
        return "0".repeat(16);
      case 5:
        return hex(g.int(20));
      case 6:
        return hex(16) + g.pick(["=", "=x", "g"]);
      case 7:
        return "";
      default:
        return junk(18);
    }
  };
  const sampledValue = () => g.pick(["0", "1", "?", "0", "1", "?", "2", "", "true", "01", "1=0", "=1", "??", "-1", "\uff11", " 1 "]);
  const keys: [string, () => string][] = [
    ["Root", rootValue],
    ["root", rootValue],
    ["ROOT", rootValue],
    ["Parent", parentValue],
    ["parent", parentValue],
    ["PARENT", parentValue],
    ["Sampled", sampledValue],
    ["sampled", sampledValue],
    ["SAMPLED", sampledValue],
    ["Self", () => `1-${hex(8)}-${hex(24)}`],
    ["Lineage", () => `${hex(8)}:${g.int(10)}`],
    ["Foo", () => junk(12)],
    ["x-extra", () => junk(30)],
    ["", () => junk(4)],
    ["Ro ot", rootValue],
    ["Roots", rootValue],
  ];
  const out: { name: string; input: string }[] = [];
  for (let n = 0; n < count; n++) {
    const mode = g.next();
    let header: string;
    if (mode < 0.7) {
      // Fields from the pools, Root usually among them, joined by a separator or its look-alikes.
      const fields: string[] = [];
      const k = 1 + g.int(6);
      const withRoot = g.next() < 0.8;
      for (let i = 0; i < k; i++) {
        const [key, value] = i === 0 && withRoot ? keys[g.int(3)]! : g.pick(keys);
        fields.push(g.next() < 0.05 ? pad(key) : `${pad(key)}=${pad(value())}`);
      }
      for (let i = fields.length - 1; i > 0; i--) {
        const j = g.int(i + 1);
        [fields[i], fields[j]] = [fields[j]!, fields[i]!];
      }
      header = fields.reduce((acc, f) => acc + g.pick([";", ";", ";", ";;", "; ", " ;", ",", ";\u00a0"]) + f);
    } else if (mode < 0.9) {
      // A valid header with one character replaced, inserted or removed.
      const valid = `Root=1-${hex(8)}-${hex(24)};Parent=${hex(16)};Sampled=${g.pick(["0", "1", "?"])}`;
      const i = g.int(valid.length);
      const c = g.pick(CHARS);
      header = [valid.slice(0, i) + c + valid.slice(i + 1), valid.slice(0, i) + c + valid.slice(i), valid.slice(0, i) + valid.slice(i + 1)][
        g.int(3)
      ]!;
    } else {
      header = junk(60);
    }
    out.push({ name: `generated #${n}`, input: header });
  }
  return out;
}

const SEED = 0x5eed2026;
const GENERATED = 500;
const headers = [
  ...corpus.cases.map((c) => ({ name: `headers.json: ${c.name}`, input: c.input })),
  ...constructed().map((c) => ({ name: `constructed: ${c.name}`, input: c.input })),
  ...generated(GENERATED, SEED),
];

// ---------------------------------------------------------------------------------------------

interface Row {
  name: string;
  input: string;
  field: Field;
  ours: unknown;
  peer: unknown;
  category: Category | undefined;
}

function compareAll(): { rows: Row[]; agreeing: number } {
  const rows: Row[] = [];
  let agreeing = 0;
  for (const { name, input } of headers) {
    const ours = ourView(input);
    const peer = peerView(input);
    const parsed = parseTraceHeader(input) !== undefined;
    let agrees = true;
    for (const field of ["root", "parent", "sampled"] as const) {
      if (ours[field] === peer[field]) continue;
      agrees = false;
      rows.push({ name, input, field, ours: ours[field], peer: peer[field], category: classify(field, input, ours, peer, parsed) });
    }
    if (agrees) agreeing++;
  }
  return { rows, agreeing };
}

const { rows, agreeing } = compareAll();
const show = (s: string) => JSON.stringify(s.length > 160 ? `${s.slice(0, 160)}…(${s.length})` : s);

test(`the corpus holds at least 200 headers (${corpus.cases.length} hand-written, ${headers.length - corpus.cases.length - GENERATED} constructed, ${GENERATED} generated)`, () => {
  assert.ok(headers.length >= 200, `${headers.length} headers`);
  assert.ok(corpus.cases.length >= 100, `${corpus.cases.length} hand-written headers`);
  assert.is(new Set(headers.map((h) => h.input)).size > 0.9 * headers.length, true, "the headers are mostly distinct");
});

test("every disagreement with aws-xray-sdk-core on root, parent or sampled is a documented category", () => {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.category ?? "unclassified", (counts.get(r.category ?? "unclassified") ?? 0) + 1);
  const summary = [`${agreeing} agree`, ...Object.keys(CATEGORIES).map((c) => `${c} ${counts.get(c) ?? 0}`)];
  if (counts.has("unclassified")) summary.push(`UNCLASSIFIED ${counts.get("unclassified")}`);
  console.log(`\n  differential headers: ${headers.length} headers; ${summary.join(", ")} (disagreements counted per field)`);
  const unclassified = rows.filter((r) => r.category === undefined);
  assert.equal(
    unclassified.map((r) => `${r.name} ${show(r.input)}: ${r.field} ours ${JSON.stringify(r.ours)}, peer ${JSON.stringify(r.peer)}`),
    [],
    "unclassified disagreements",
  );
});

test("each category occurs in the corpus, and is listed with its reason in docs/compatibility.md", () => {
  const doc = readFileSync(new URL("../../docs/compatibility.md", import.meta.url), "utf8");
  for (const category of Object.keys(CATEGORIES)) {
    assert.ok(
      rows.some((r) => r.category === category),
      `no header in the corpus shows ${category}: is the category stale?`,
    );
    assert.ok(doc.includes(`\`${category}\``), `docs/compatibility.md does not list \`${category}\``);
  }
});

test("at least a third of the corpus agrees, and well-formed headers agree completely", () => {
  assert.ok(agreeing > headers.length / 3, `${agreeing} of ${headers.length} agree`);
  for (const c of [
    "all three fields",
    "Sampled=0",
    "Sampled=? asks for a decision",
    "Root only",
    "lower-case keys",
    "spaces around keys and values",
    "the last Root wins",
    "Lineage",
    "two extras",
  ]) {
    assert.not.ok(
      rows.some((r) => r.name === `headers.json: ${c}`),
      `"${c}" disagrees`,
    );
  }
});

// Hand-picked cases with the category read off the rules by hand, so that the classifier itself
// is checked (a classifier that called everything "root-malformed" would fail here).
const EXPECTED: [string, Field, Category][] = [
  ["Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=53995c3f42cd8ad8;Sampled=1", "root", "root-case"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995C3F42CD8AD8", "parent", "parent-case"],
  ["Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "root", "root-malformed"],
  ["Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "parent", "no-valid-root"],
  ["Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1", "sampled", "no-valid-root"],
  ["Parent=53995c3f42cd8ad8;Sampled=1", "parent", "no-valid-root"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000;Sampled=1", "parent", "parent-malformed"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad", "parent", "parent-malformed"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793=x;Parent=53995c3f42cd8ad8;Sampled=1", "root", "equals-in-value"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1=0", "sampled", "equals-in-value"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Root=", "root", "empty-value"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0;Sampled=", "sampled", "empty-value"],
  ["\u00a0Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", "root", "unicode-whitespace"],
  ["Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=\u20021", "sampled", "unicode-whitespace"],
];
for (const [input, field, category] of EXPECTED) {
  test(`classified by hand: ${field} of ${show(input)} is ${category}`, () => {
    const ours = ourView(input);
    const peer = peerView(input);
    assert.is.not(ours[field], peer[field], "the SDKs disagree");
    assert.is(classify(field, input, ours, peer, parseTraceHeader(input) !== undefined), category);
  });
}

test("a header over 8,192 characters: the peer joins its trace, we do not (header-too-long)", () => {
  const input = `Root=${R};Parent=${P};Sampled=1;Pad=`.padEnd(8193, "p");
  assert.is(parseTraceHeader(input), undefined);
  assert.is(peerView(input).root, R);
  assert.is(classify("root", input, ourView(input), peerView(input), false), "header-too-long");
});

test.run();
