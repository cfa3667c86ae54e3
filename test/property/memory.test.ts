/**
 * Property: wasm memory stays bounded. 100,000 random documents (random names, annotation keys
 * and values, metadata values, errors, nested subsegments, some left open when their segment
 * closes) go through one core; every datagram must be a valid document (daemon header, UTF-8
 * JSON within the datagram limit, xray-edge/validate's rules), and the core's memory after all
 * 100,000 must be what it was after the first 10,000, with no node left alive.
 *
 * Sizes are bounded (at most 12 operations a document, strings of at most 80 code units, and a
 * 3,000-character string among the constants, drawn about once in 50 strings), so the largest
 * inputs all occur within the warm-up: growth after it is memory the core did not give back, not
 * a larger input. The seed is printed; XRAY_PROPERTY_SEED=<seed> replays a run (the second phase
 * uses seed + 1).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { createXRay, Tracer } from "../../adapters/host/index.ts";
import { validateDatagram } from "../../core/validate.ts";

const WARM_UP = 10_000;
const TOTAL = 100_000;
const MAX_STEPS = 12;

const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "AWS.x", "a-b c", '\u0000"\\', "\ud800", "x".repeat(3000)) },
);
const annotationValue = fc.oneof(
  text,
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.bigInt(),
  fc.constant(null),
  fc.constant(undefined),
  fc.object({ maxDepth: 1 }),
);
const metadataValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.anything({
    maxDepth: 2,
    withBigInt: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withTypedArray: true,
    withSparseArray: true,
  }),
  fc.constantFrom("cycle", "throws").map((kind) => {
    if (kind === "throws")
      return {
        toJSON() {
          throw new Error("no JSON here");
        },
      };
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    return cyclic;
  }),
);
const stackText = fc.array(
  fc.oneof(
    fc.tuple(text, text, fc.nat(99999), fc.nat(999)).map(([label, file, line, col]) => `    at ${label} (${file}:${line}:${col})`),
    text.map((line) => `    at ${line}`),
    text,
  ),
  { maxLength: 6 },
);
type ErrorSpec = { name: string; message: string; stack: string[] | null; cause: ErrorSpec | null };
const errorSpec: fc.Arbitrary<ErrorSpec> = fc.letrec<{ spec: ErrorSpec }>((tie) => ({
  spec: fc.record({
    name: text,
    message: text,
    stack: fc.option(stackText),
    cause: fc.option(tie("spec"), { depthSize: "small", maxDepth: 5 }),
  }),
})).spec;
const errorValue = fc.oneof(
  { weight: 4, arbitrary: errorSpec.map(toError) },
  { weight: 1, arbitrary: fc.oneof(text, fc.constant(null), fc.object({ maxDepth: 1 })) },
);

const step = fc.oneof(
  fc.tuple(fc.constant("sub" as const), text),
  fc.tuple(fc.constant("annotate" as const), text, annotationValue),
  fc.tuple(fc.constant("metadata" as const), text, metadataValue, fc.option(text, { nil: undefined })),
  fc.tuple(fc.constant("error" as const), errorValue, fc.boolean()),
  fc.tuple(fc.constant("close" as const)),
);
const documentOps = fc.tuple(text, fc.array(step, { maxLength: MAX_STEPS }), fc.boolean());

function toError(spec: ErrorSpec): Error {
  const error = new Error(spec.message, spec.cause ? { cause: toError(spec.cause) } : undefined);
  error.name = spec.name;
  if (spec.stack) error.stack = [`${spec.name}: ${spec.message}`, ...spec.stack].join("\n");
  return error;
}

interface Handle {
  beginSubsegment(name: string): Handle;
  addAnnotation(key: string, value: never): void;
  addMetadata(key: string, value: unknown, namespace?: string): void;
  addError(error: unknown, options?: { remote?: boolean }): void;
  close(): void;
}

test(`wasm memory stays bounded across ${TOTAL.toLocaleString("en")} random documents, each one valid`, () => {
  const x = createXRay();
  const datagrams: Uint8Array[] = [];
  const tracer = new Tracer({
    xray: x,
    emitter: { send: (d: Uint8Array) => void datagrams.push(d.slice()), flush: () => Promise.resolve() },
    sampler: { shouldSample: () => ({ sampled: true, rule: "all" }) },
    logger: { warn() {} },
  });
  let documents = 0;
  let sent = 0;
  const property = fc.property(documentOps, ([name, steps, leaveOpen]) => {
    datagrams.length = 0;
    const segment = tracer.beginSegment(name) as unknown as Handle;
    const stack: Handle[] = [segment];
    for (const s of steps) {
      const top = stack[stack.length - 1]!;
      if (s[0] === "sub") stack.push(top.beginSubsegment(s[1]));
      else if (s[0] === "annotate") top.addAnnotation(s[1], s[2] as never);
      else if (s[0] === "metadata") top.addMetadata(s[1], s[2], s[3]);
      else if (s[0] === "error") top.addError(s[1], { remote: s[2] });
      else if (stack.length > 1) stack.pop()!.close();
    }
    // Either close the subsegments first, or close the segment with them open (sent in progress,
    // then each again on its own when it closes).
    if (!leaveOpen) while (stack.length > 1) stack.pop()!.close();
    segment.close();
    while (stack.length > 1) stack.pop()!.close();
    assert.ok(datagrams.length >= 1, "a sampled segment sends at least one datagram");
    sent += datagrams.length;
    for (const d of datagrams) {
      const check = validateDatagram(d);
      assert.ok(check.headerOk, "daemon header line");
      assert.equal(check.violations, [], "the documented rules");
      const body = new TextDecoder().decode(d.subarray(d.indexOf(10) + 1));
      assert.type(JSON.parse(body), "object");
    }
    documents++;
  });
  const seed = process.env.XRAY_PROPERTY_SEED ? Number(process.env.XRAY_PROPERTY_SEED) : Date.now() % 2 ** 31;
  const started = Date.now();
  fc.assert(property, { numRuns: WARM_UP, seed });
  const warm = x.memoryBytes();
  assert.is(x.liveNodes(), 0, `no node alive after the warm-up (XRAY_PROPERTY_SEED=${seed})`);
  fc.assert(property, { numRuns: TOTAL - WARM_UP, seed: seed + 1 });
  assert.is(documents, TOTAL);
  const final = x.memoryBytes();
  console.log(
    `\n  property: ${TOTAL} documents, ${sent} datagrams in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${seed}); wasm memory ${warm} bytes after ${WARM_UP}, ${final} after ${TOTAL}; ${x.liveNodes()} nodes alive`,
  );
  assert.is(final, warm, `wasm memory after ${TOTAL} documents (bytes) equals the value after ${WARM_UP} (XRAY_PROPERTY_SEED=${seed})`);
  assert.is(x.liveNodes(), 0, `every node was freed (XRAY_PROPERTY_SEED=${seed})`);
});

test.run();
