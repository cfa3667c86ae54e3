import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { createRequire } from "node:module";
import { validateDocument, validateDatagram } from "../../core/validate.ts";
import { MemoryEmitter, Tracer, createXRay } from "../../adapters/host/index.ts";

const T = "1-5759e988-bd862e3fe1be46a994272793";
const base = () => ({ name: "api", id: "53995c3f42cd8ad8", trace_id: T, start_time: 1700000000.5, end_time: 1700000001 });
const paths = (doc: unknown) => validateDocument(doc).map((v) => v.path);
const encoder = new TextEncoder();

test("a full segment with every optional field is valid", () => {
  const doc = {
    ...base(),
    parent_id: "1111111111111111",
    fault: true,
    error: false,
    throttle: false,
    user: "alice",
    origin: "AWS::EC2::Instance",
    service: { version: "1.2.3" },
    aws: { region: "us-east-1" },
    http: {
      request: { method: "GET", url: "https://x/y", user_agent: "ua", client_ip: "1.2.3.4", x_forwarded_for: true, traced: false },
      response: { status: 200, content_length: 12 },
    },
    annotations: { k: "v", n: 1.5, b: true },
    metadata: { default: { any: [1, { x: null }] } },
    cause: {
      working_directory: "/app",
      paths: ["/app/a.js"],
      exceptions: [
        {
          id: "2222222222222222",
          message: "m",
          type: "Error",
          remote: true,
          truncated: 2,
          skipped: 0,
          cause: "3333333333333333",
          stack: [{ path: "/a.js", line: 3, label: "f" }],
        },
      ],
    },
    subsegments: [
      {
        name: "db",
        id: "4444444444444444",
        start_time: 1700000000.6,
        in_progress: true,
        namespace: "remote",
        traced: true,
        precursor_ids: ["5555555555555555"],
        sql: { url: "db" },
        subsegments: [{ name: "q", id: "6666666666666666", start_time: 1700000000.7, end_time: 1700000000.8 }],
      },
    ],
  };
  assert.equal(validateDocument(doc), []);
});

test("an independent subsegment needs type, trace_id and parent_id", () => {
  assert.equal(paths({ ...base(), type: "subsegment", parent_id: "1111111111111111" }), []);
  assert.equal(paths({ ...base(), type: "subsegment" }), ["parent_id"]);
  assert.equal(
    paths({ name: "x", id: "1111111111111111", start_time: 1, end_time: 2, type: "subsegment", parent_id: "1111111111111111" }),
    ["trace_id"],
  );
});

const broken: [string, Record<string, unknown>, string][] = [
  ["missing name", { name: undefined }, "name"],
  ["name of 201 characters", { name: "n".repeat(201) }, "name"],
  ["name with a backslash", { name: "a\\b" }, "name"],
  ["name with a symbol", { name: "a✓" }, "name"],
  ["id of 15 digits", { id: "53995c3f42cd8ad" }, "id"],
  ["non-hex id", { id: "53995c3f42cd8adz" }, "id"],
  ["trace_id without its version", { trace_id: "5759e988-bd862e3fe1be46a994272793" }, "trace_id"],
  ["missing start_time", { start_time: undefined }, "start_time"],
  ["negative start_time", { start_time: -1 }, "start_time"],
  ["neither end_time nor in_progress", { end_time: undefined }, "end_time"],
  ["end_time before start_time", { end_time: 1 }, "end_time"],
  ["end_time while in progress", { in_progress: true }, "end_time"],
  ["bad parent_id", { parent_id: "xyz" }, "parent_id"],
  ["type on a segment that is not a subsegment", { type: "segment" }, "type"],
  ["fault not a boolean", { fault: "yes" }, "fault"],
  ["namespace on a segment", { namespace: "aws" }, "namespace"],
  ["user over 250 characters", { user: "u".repeat(251) }, "user"],
  ["annotation key with a dash", { annotations: { "a-b": 1 } }, "annotations.a-b"],
  ["annotation value an object", { annotations: { k: {} } }, "annotations.k"],
  ["annotation string over 1000 characters", { annotations: { k: "v".repeat(1001) } }, "annotations.k"],
  ["51 annotations", { annotations: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])) }, "annotations"],
  ["metadata namespace not an object", { metadata: { default: 3 } }, "metadata.default"],
  ["reserved AWS. metadata namespace", { metadata: { "AWS.Lambda": {} } }, "metadata.AWS.Lambda"],
  ["http status not an integer", { http: { response: { status: "200" } } }, "http.response.status"],
  ["http url over 250 characters", { http: { request: { url: "u".repeat(251) } } }, "http.request.url"],
  ["service version not a string", { service: { version: 1 } }, "service.version"],
  ["cause id not 16 hex", { cause: "abc" }, "cause"],
  ["exception without id", { cause: { exceptions: [{ message: "m" }] } }, "cause.exceptions[0].id"],
  [
    "stack frame line not an integer",
    { cause: { exceptions: [{ id: "2222222222222222", stack: [{ line: 1.5 }] }] } },
    "cause.exceptions[0].stack[0].line",
  ],
  [
    "stack frame line a string",
    { cause: { exceptions: [{ id: "2222222222222222", stack: [{ line: "3" }] }] } },
    "cause.exceptions[0].stack[0].line",
  ],
  ["subsegment without id", { subsegments: [{ name: "s", start_time: 1, end_time: 2 }] }, "subsegments[0].id"],
  [
    "nested type subsegment",
    { subsegments: [{ name: "s", id: "1111111111111111", start_time: 1, end_time: 2, type: "subsegment" }] },
    "subsegments[0].type",
  ],
  [
    "precursor_ids holding a bad ID",
    { subsegments: [{ name: "s", id: "1111111111111111", start_time: 1, end_time: 2, precursor_ids: ["x"] }] },
    "subsegments[0].precursor_ids[0]",
  ],
];
for (const [name, change, path] of broken) {
  test(`invalid: ${name} is reported at ${path}`, () => {
    const doc: Record<string, unknown> = { ...base(), ...change };
    for (const [k, v] of Object.entries(change)) if (v === undefined) delete doc[k];
    assert.ok(paths(doc).includes(path), `${JSON.stringify(paths(doc))} should include ${path}`);
  });
}

test("datagrams: header line (either spacing), UTF-8, JSON object, size", () => {
  const doc = JSON.stringify(base());
  assert.equal(validateDatagram(encoder.encode('{"format": "json", "version": 1}\n' + doc)).violations, []);
  assert.equal(validateDatagram(encoder.encode('{"format":"json","version":1}\n' + doc)).violations, [], "aws-xray-sdk-core's spacing");
  assert.is(validateDatagram(encoder.encode(doc)).headerOk, false);
  assert.is(validateDatagram(encoder.encode('{"format": "json", "version": 2}\n' + doc)).headerOk, false);
  const bad = new Uint8Array([...encoder.encode('{"format":"json","version":1}\n{"name":"'), 0xff, ...encoder.encode('"}')]);
  assert.match(validateDatagram(bad).violations[0]!.message, /not UTF-8 JSON/);
  assert.match(validateDatagram(encoder.encode('{"format":"json","version":1}\n[1]')).violations[0]!.message, /JSON object/);
  const big = validateDatagram(
    encoder.encode('{"format":"json","version":1}\n' + JSON.stringify({ ...base(), metadata: { default: { x: "x".repeat(70000) } } })),
  );
  assert.ok(big.violations.some((v) => /at most 65507/.test(v.message)));
});

test("every document xray-edge produces is valid, for a varied trace", () => {
  const emitter = new MemoryEmitter();
  const tracer = new Tracer({
    xray: createXRay(),
    emitter,
    logger: { warn() {} },
    origin: "AWS::Lambda::Function",
    service: { version: "1" },
  });
  const s = tracer.beginSegment("svc", { traceHeader: `Root=${T};Parent=53995c3f42cd8ad8;Sampled=1` });
  s.setUser("u");
  const a = s.beginSubsegment("a", { namespace: "aws", traced: true, precursorIds: ["1111111111111111"] });
  a.setAws({ operation: "GetItem" });
  a.setHttp({ request: { method: "GET", url: "https://x" }, response: { status: 503 } });
  a.addError(new Error("boom", { cause: new TypeError("inner") }), { remote: true });
  a.close();
  const open = s.beginSubsegment("open");
  for (let i = 0; i < 60; i++) s.beginSubsegment(`c${i}`).addMetadata("blob", "b".repeat(1500)); // > 64 KB, left open
  s.close();
  open.close();
  assert.ok(emitter.datagrams.length > 2);
  for (const d of emitter.datagrams) assert.equal(validateDatagram(d).violations, []);
});

test("aws-xray-sdk-core's documents are valid (a real peer)", () => {
  const AWSXRay = createRequire(import.meta.url)("aws-xray-sdk-core");
  const segment = new AWSXRay.Segment("peer", T, "53995c3f42cd8ad8");
  const sub = segment.addNewSubsegment("db");
  sub.addAnnotation("k", "v");
  sub.addMetadata("m", { x: 1 });
  sub.addError(new Error("boom"));
  sub.close();
  segment.close(new Error("outer"));
  const doc = JSON.parse(segment.format());
  assert.ok(
    doc.cause.exceptions[0].stack.some((f: { line: unknown }) => f.line === null),
    "the peer writes line: null for Node's frames (tolerated)",
  );
  assert.equal(validateDocument(doc), []);
});

test("any bytes, any JSON value: no throw", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void validateDatagram(bytes)),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.jsonValue(), (value) => void validateDocument(value)),
    { numRuns: 500 },
  );
  fc.assert(
    fc.property(fc.anything(), (value) => void validateDocument(value)),
    { numRuns: 500 },
  );
  const deep: Record<string, unknown> = { ...base() };
  let at = deep;
  for (let i = 0; i < 500; i++)
    at = (at.subsegments = [{ name: "d", id: "1111111111111111", start_time: 1, end_time: 2 }])[0] as Record<string, unknown>;
  assert.ok(
    paths(deep).some((p) => p.endsWith("]")),
    "nesting past 64 levels is reported, not followed",
  );
});

test.run();
