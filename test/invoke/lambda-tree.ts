/**
 * Checks one sampled invocation's documents as Lambda's documentation draws the trace: the service
 * segment (AWS::Lambda), its child the function segment (AWS::Lambda::Function) with Initialization
 * (cold starts only), Invocation and Overhead, and the function's own subsegments under Invocation,
 * whose ID is the Parent the function was given. Every document must pass xray-edge/validate.
 */
import * as assert from "uvu/assert";
import { validateDocument } from "../../core/validate.ts";

type Doc = Record<string, any>;

/**
 * The function's documents are timed by another process (the runtime's clock, in milliseconds),
 * Lambda's by the emulator's (a monotonic clock anchored to Date.now(), whole milliseconds), the
 * test's bounds by Date.now(). Comparing across clocks allows this much, so that the check is of
 * the nesting, not of clock resolution; Lambda's own documents are compared exactly.
 */
export const CLOCK_SLACK_S = 0.002;

export interface LambdaTree {
  service: Doc;
  fn: Doc;
  initialization?: Doc;
  invocation: Doc;
  overhead: Doc;
  /** The function's own documents (type "subsegment"). */
  own: Doc[];
}

export interface TreeExpectation {
  /** The Lambda-Runtime-Trace-Id the function got. */
  header: string;
  functionName: string;
  requestId: string;
  /** A cold start: Initialization expected. */
  cold: boolean;
  /** The service segment's parent (an upstream Parent), if any. */
  upstreamParent?: string;
  /** Epoch ms before invoke() and after the documents arrived: every time lies within. */
  fromMs: number;
  toMs: number;
  /** How many documents of the function's own there must be. */
  ownDocuments: number;
}

export function checkLambdaTree(docs: Doc[], x: TreeExpectation): LambdaTree {
  const [, root, parent] = /^Root=([^;]+);Parent=([0-9a-f]{16});Sampled=1$/.exec(x.header) ?? [];
  assert.ok(root && parent, `a sampled header: ${x.header}`);
  for (const d of docs) {
    assert.is(d.trace_id, root, "every document is of the invocation's trace");
    assert.equal(validateDocument(d), [], JSON.stringify(d));
  }
  const services = docs.filter((d) => d.origin === "AWS::Lambda");
  const fns = docs.filter((d) => d.origin === "AWS::Lambda::Function");
  const own = docs.filter((d) => d.type === "subsegment");
  assert.is(services.length, 1, "one service segment");
  assert.is(fns.length, 1, "one function segment");
  assert.is(own.length, x.ownDocuments, "the function's own documents");
  assert.is(docs.length, 2 + x.ownDocuments, "nothing else");
  const service = services[0]!;
  const fn = fns[0]!;

  assert.is(service.name, x.functionName);
  assert.is(fn.name, x.functionName);
  assert.is(service.parent_id, x.upstreamParent);
  assert.is(fn.parent_id, service.id, "the function segment is the service segment's child");
  assert.is.not(fn.id, service.id);
  assert.is(service.aws?.request_id, x.requestId);
  assert.is(service.http?.response?.status, 200);
  assert.match(service.resource_arn, new RegExp(`^arn:aws:lambda:[a-z0-9-]+:\\d{12}:function:${x.functionName}$`));

  const names = (fn.subsegments ?? []).map((s: Doc) => s.name);
  assert.equal(names, x.cold ? ["Initialization", "Invocation", "Overhead"] : ["Invocation", "Overhead"]);
  const sub = (name: string): Doc => fn.subsegments.find((s: Doc) => s.name === name);
  const invocation = sub("Invocation");
  const overhead = sub("Overhead");
  const initialization = x.cold ? sub("Initialization") : undefined;
  assert.is(invocation.id, parent, "the function was given the Invocation subsegment's ID as Parent");

  // Lambda's own times, all from the emulator's clock: exact nesting.
  const from = x.fromMs / 1000;
  const to = x.toMs / 1000;
  const within = (d: Doc, lo: number, hi: number, what: string): void =>
    assert.ok(
      d.start_time >= lo && d.start_time <= d.end_time && d.end_time <= hi,
      `${what}: [${d.start_time}, ${d.end_time}] not within [${lo}, ${hi}]`,
    );
  within(service, from - CLOCK_SLACK_S, to + CLOCK_SLACK_S, "the service segment");
  within(fn, service.start_time, to + CLOCK_SLACK_S, "the function segment");
  within(invocation, service.start_time, service.end_time, "Invocation within the service segment");
  assert.is(invocation.end_time, service.end_time, "the response ends both");
  assert.is(overhead.start_time, invocation.end_time, "Overhead starts at the response");
  assert.is(overhead.end_time, fn.end_time, "Overhead ends the function segment");
  if (initialization) {
    within(initialization, service.start_time, invocation.start_time, "Initialization before the event is handed over");
    assert.is(fn.start_time, initialization.start_time, "a cold start's function segment starts with its init");
  } else {
    assert.is(fn.start_time, invocation.start_time);
  }

  // The function's own: under Invocation, within it (allowing for the other clock).
  const ids = new Set(own.map((d) => d.id));
  for (const d of own) {
    assert.ok(d.parent_id === invocation.id || ids.has(d.parent_id), `${d.name} hangs under Invocation (parent ${d.parent_id})`);
    within(d, invocation.start_time - CLOCK_SLACK_S, invocation.end_time + CLOCK_SLACK_S, `${d.name} within Invocation`);
  }
  if (own.length > 0)
    assert.ok(
      own.some((d) => d.parent_id === invocation.id),
      "at least one of the function's documents is Invocation's direct child",
    );
  const tree: LambdaTree = { service, fn, invocation, overhead, own };
  if (initialization) tree.initialization = initialization;
  return tree;
}
