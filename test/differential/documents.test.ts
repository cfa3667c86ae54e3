/**
 * Differential test of segment documents against aws-xray-sdk-core: the operations of
 * documents.json (a segment joining an incoming header, subsegments nested two deep, annotations of
 * each type, metadata in two namespaces, a user, http on the segment and on a subsegment, aws and
 * sql data, a remote and a local error, the three flags) are run through both SDKs, and both send
 * their datagrams over UDP to one listener here: the peer from a child process pointed at it with
 * AWS_XRAY_DAEMON_ADDRESS (fixtures/peer-documents.cjs), ours through createUdpEmitter.
 *
 * The two documents must have the same fields with the same JSON types, and the same values
 * except for IDs and times (trace_id and parent_id come from the header and are compared). Every
 * difference must fall into one of the named categories of docs/compatibility.md; any other fails.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Tracer } from "../../adapters/host/index.ts";
import { validateDatagram } from "../../core/validate.ts";
import { createUdpEmitter } from "../../adapters/udp/index.ts";
import { runOps, type Op, type TracerLike } from "../conformance/ops.ts";
import scenario from "./documents.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PEER = fileURLToPath(new URL("./fixtures/peer-documents.cjs", import.meta.url));

/** The categories of docs/compatibility.md ("Documents"), each with its reason. */
const CATEGORIES = {
  "daemon-header": "the same header line, written with spaces by us and without by the peer",
  "sdk-description": "the peer describes itself in every segment (aws.xray.sdk*, service.runtime*); we send service only when given",
  "exception-remote-false": "we write an exception's remote only when it is true; the peer also writes false",
  "stack-frame-path":
    "the peer cuts a frame's location at its first ':' (node:internal/…:95:5 becomes path \"node\", line null); we keep path and line",
  "stack-frame-no-line": "we leave out frames without a line number (<anonymous>, native); the peer sends them with line null",
} as const;
type Category = keyof typeof CATEGORIES;

interface Leaf {
  type: string;
  value: unknown;
}
type Flat = Map<string, Leaf>;

/** Every field of a document by path (`a.b[2].c`), with its JSON type and, for scalars, its value. */
function flatten(value: unknown, path = "", out: Flat = new Map()): Flat {
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  if (path) out.set(path, { type, value: type === "object" || type === "array" ? undefined : value });
  if (Array.isArray(value)) for (const [i, v] of value.entries()) flatten(v, `${path}[${i}]`, out);
  else if (type === "object") for (const [k, v] of Object.entries(value as object)) flatten(v, path ? `${path}.${k}` : k, out);
  return out;
}

/** IDs and times: their values differ between any two runs. */
const ASIDE = /(^|\.)(id|start_time|end_time)$/;

interface Difference {
  path: string;
  ours?: Leaf | undefined;
  peer?: Leaf | undefined;
  category?: Category | undefined;
}

function differences(ours: Flat, peer: Flat): Difference[] {
  const out: Difference[] = [];
  for (const path of new Set([...ours.keys(), ...peer.keys()])) {
    const o = ours.get(path);
    const p = peer.get(path);
    if (o && p && o.type === p.type && (ASIDE.test(path) || o.value === p.value)) continue;
    out.push({ path, ours: o, peer: p });
  }
  return out;
}

const FRAME = /^(.*\.stack\[\d+\])\.(path|line|label)$|^(.*\.stack\[\d+\])$/;
const frameOf = (path: string) => {
  const m = FRAME.exec(path);
  return m ? (m[1] ?? m[3])! : undefined;
};

function classify(d: Difference, ours: Flat, peer: Flat): Category | undefined {
  if (!d.ours && d.peer && /^(aws|service)(\.|$)/.test(d.path)) return "sdk-description";
  if (!d.ours && d.peer?.value === false && /(^|\.)cause\.exceptions\[\d+\]\.remote$/.test(d.path)) return "exception-remote-false";
  const frame = frameOf(d.path);
  if (frame) {
    const peerPath = peer.get(`${frame}.path`)?.value;
    const peerLine = peer.get(`${frame}.line`);
    const oursPath = ours.get(`${frame}.path`)?.value;
    const oursLine = ours.get(`${frame}.line`)?.value;
    if (
      peerPath === "node" &&
      peerLine?.type === "null" &&
      typeof oursPath === "string" &&
      oursPath.startsWith("node:") &&
      Number.isInteger(oursLine)
    )
      return "stack-frame-path";
    if (!ours.has(frame) && peerLine?.type === "null" && peerPath !== "node") return "stack-frame-no-line";
  }
  return undefined;
}

async function listen() {
  const socket = dgram.createSocket("udp4");
  const received: Buffer[] = [];
  socket.on("message", (m) => received.push(m));
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return { port: socket.address().port, received, close: () => socket.close() };
}

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function runPeer(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${port}` };
    for (const key of [
      "AWS_XRAY_TRACING_NAME",
      "AWS_XRAY_CONTEXT_MISSING",
      "AWS_XRAY_DEBUG_MODE",
      "AWS_XRAY_LOG_LEVEL",
      "LAMBDA_TASK_ROOT",
    ])
      delete env[key];
    const child = spawn(process.execPath, [PEER], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "",
      err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the peer did not exit\n${err}`));
    }, 20_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0 && err === "") resolve(out);
      else reject(new Error(`the peer failed (exit ${code}): ${err}`));
    });
  });
}

const splitDatagram = (d: Buffer) => {
  const nl = d.indexOf(10);
  return {
    header: d.subarray(0, nl).toString("utf8"),
    document: JSON.parse(d.subarray(nl + 1).toString("utf8")) as Record<string, unknown>,
  };
};

test("the same operations through both SDKs, over UDP to one listener: the same fields with the same types", async () => {
  const listener = await listen();
  try {
    // The peer first, to the end (its process exits); then ours. One datagram each.
    await runPeer(listener.port);
    await until("the peer's datagram", () => listener.received.length >= 1);
    const peerDatagrams = listener.received.splice(0);

    const warnings: string[] = [];
    const emitter = createUdpEmitter({ address: `127.0.0.1:${listener.port}` });
    const tracer = new Tracer({ emitter, logger: { warn: (m: string) => void warnings.push(m) } });
    runOps(tracer as unknown as TracerLike, scenario.ops as Op[]);
    await tracer.flush();
    await until("our datagram", () => listener.received.length >= 1);
    await new Promise((r) => setTimeout(r, 150)); // nothing more may come, from either
    const ourDatagrams = listener.received.splice(0);

    assert.is(peerDatagrams.length, 1, "the peer sent one datagram");
    assert.is(ourDatagrams.length, 1, "we sent one datagram");
    assert.equal(warnings, [], "every operation was accepted");
    assert.equal(emitter.stats(), { sent: 1, failed: 0, bytes: ourDatagrams[0]!.length, refusedLater: 0 });
    for (const [who, d] of [
      ["peer", peerDatagrams[0]!],
      ["ours", ourDatagrams[0]!],
    ] as const) {
      assert.equal(validateDatagram(d).violations, [], `the ${who} datagram passes xray-edge/validate`);
    }

    const peer = splitDatagram(peerDatagrams[0]!);
    const ours = splitDatagram(ourDatagrams[0]!);
    const found: Difference[] = [];
    // The header line: the same JSON, written differently.
    assert.equal(JSON.parse(ours.header), JSON.parse(peer.header), "the header lines say the same");
    if (ours.header !== peer.header)
      found.push({
        path: "(header line)",
        ours: { type: "string", value: ours.header },
        peer: { type: "string", value: peer.header },
        category: "daemon-header",
      });

    assert.is(ours.document.trace_id, "1-5759e988-bd862e3fe1be46a994272793", "our trace_id is the header's");
    assert.is(ours.document.name, "checkout");
    const oursFlat = flatten(ours.document);
    const peerFlat = flatten(peer.document);
    for (const d of differences(oursFlat, peerFlat)) found.push({ ...d, category: classify(d, oursFlat, peerFlat) });

    const counts = new Map<string, number>();
    for (const d of found) counts.set(d.category ?? "unclassified", (counts.get(d.category ?? "unclassified") ?? 0) + 1);
    const same = [...oursFlat.keys()].filter((k) => peerFlat.has(k) && !found.some((d) => d.path === k)).length;
    console.log(`\n  differential documents: ${same} fields the same; ${[...counts].map(([c, n]) => `${c} ${n}`).join(", ")}`);

    const show = (l?: Leaf) => (l ? `${l.type} ${JSON.stringify(l.value)}` : "absent");
    assert.equal(
      found.filter((d) => d.category === undefined).map((d) => `${d.path}: ours ${show(d.ours)}, peer ${show(d.peer)}`),
      [],
      "unclassified differences",
    );
    // Each documented category still occurs (else the documentation keeps a stale difference),
    // and is listed in docs/compatibility.md.
    const doc = readFileSync(new URL("../../docs/compatibility.md", import.meta.url), "utf8");
    for (const category of Object.keys(CATEGORIES)) {
      assert.ok(counts.has(category), `${category} no longer occurs`);
      assert.ok(doc.includes(`\`${category}\``), `docs/compatibility.md does not list \`${category}\``);
    }
    assert.ok(same >= 80, `${same} fields the same`);
  } finally {
    listener.close();
  }
});

test("the classifier: differences outside the categories are not classified", () => {
  const ours = flatten({ name: "a", annotations: { n: 1 }, cause: { exceptions: [{ stack: [{ path: "/x.js", line: 3, label: "f" }] }] } });
  const peer = flatten({
    name: "a",
    annotations: { n: "1" },
    aws: { xray: { sdk: "X" } },
    cause: { exceptions: [{ remote: false, stack: [{ path: "/x.js", line: null, label: "f" }] }] },
  });
  const found = differences(ours, peer).map((d) => [d.path, classify(d, ours, peer)]);
  assert.equal(found, [
    ["annotations.n", undefined],
    ["cause.exceptions[0].stack[0].line", undefined],
    ["aws", "sdk-description"],
    ["aws.xray", "sdk-description"],
    ["aws.xray.sdk", "sdk-description"],
    ["cause.exceptions[0].remote", "exception-remote-false"],
  ]);
});

test.run();
