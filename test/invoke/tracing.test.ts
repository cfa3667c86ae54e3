/**
 * Lambda's tracing decision (bin/invoke/tracing.ts) without a process: the 1-per-second-then-5%
 * rule on an injected clock and random, the two modes, an upstream header's decision and its
 * checks, and the documents lambda-segments.ts builds from given times.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { validateDocument } from "../../core/validate.ts";
import { lambdaDocuments } from "../../bin/invoke/lambda-segments.ts";
import { LambdaSampler, decideTrace, parseUpstreamHeader, type TraceDecision } from "../../bin/invoke/tracing.ts";
import { parseInvokeArgs, UsageError } from "../../bin/invoke/args.ts";
import { TRACE } from "./helpers.ts";

/** A sampler whose clock and random the test sets; counts the random draws. */
function scripted() {
  const state = { now: 0, random: 0, draws: 0 };
  const sampler = new LambdaSampler(
    () => state.now,
    () => {
      state.draws++;
      return state.random;
    },
  );
  return { state, sampler };
}

test("the rule: the first request of each second is sampled without a draw, then exactly those drawing under 0.05", () => {
  const { state, sampler } = scripted();
  state.now = 1_700_000_000_000;
  state.random = 0.99;
  assert.is(sampler.sample(), true, "the second's reservoir");
  assert.is(state.draws, 0, "the reservoir needs no draw");
  assert.is(sampler.sample(), false, "0.99: over 5%");
  state.random = 0.0499;
  state.now += 999; // still the same second
  assert.is(sampler.sample(), true, "0.0499 < 0.05");
  state.random = 0.05;
  assert.is(sampler.sample(), false, "0.05 is not under 5%");
  assert.is(state.draws, 3);
  state.now += 1; // the next second: a fresh reservoir of one
  state.random = 0.99;
  assert.is(sampler.sample(), true);
  assert.is(sampler.sample(), false);
  state.now += 5000; // seconds with no request leave no credit behind: still one
  assert.is(sampler.sample(), true);
  assert.is(sampler.sample(), false);
});

const header = (d: TraceDecision) => TRACE.exec(d.header ?? "");

test("passthrough without an upstream header: Sampled=0 and a fresh Root, never a draw; active: the rule decides", () => {
  const { state, sampler } = scripted();
  state.now = Date.UTC(2026, 11, 1, 12, 0, 0);
  for (let i = 0; i < 3; i++) {
    const d = decideTrace({ mode: "passthrough" }, sampler, state.now);
    assert.is(header(d)?.[4], "0");
    assert.is(header(d)?.[1], (state.now / 1000).toString(16), "Root carries the request's time");
    assert.is(d.lambda, undefined, "nothing recorded");
  }
  assert.is(state.draws, 0);
  state.random = 0.5;
  const first = decideTrace({ mode: "active" }, sampler);
  const second = decideTrace({ mode: "active" }, sampler);
  assert.is(header(first)?.[4], "1");
  assert.equal(first.lambda, { traceId: `1-${header(first)![1]}-${header(first)![2]}`, invocationId: header(first)![3] });
  assert.is(header(second)?.[4], "0");
  assert.is(second.lambda, undefined);
});

test("an upstream header: its Sampled decides in both modes; its Root is kept, its Parent goes to the service segment", () => {
  const { state, sampler } = scripted();
  state.random = 0.99; // the rule would say no, once the reservoir is used
  sampler.sample();
  const root = "1-5759e988-bd862e3fe1be46a994272793";
  for (const mode of ["active", "passthrough"] as const) {
    const yes = decideTrace({ mode, upstream: parseUpstreamHeader(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=1`, "h") }, sampler);
    assert.ok(yes.header?.startsWith(`Root=${root};Parent=`) && yes.header.endsWith(";Sampled=1"), yes.header ?? "");
    assert.is(yes.lambda?.traceId, root);
    assert.is(yes.lambda?.upstreamParent, "53995c3f42cd8ad8");
    assert.is.not(yes.lambda?.invocationId, "53995c3f42cd8ad8", "the function's Parent is Lambda's own Invocation");
    const no = decideTrace({ mode, upstream: parseUpstreamHeader(`Root=${root};Parent=53995c3f42cd8ad8;Sampled=0`, "h") }, sampler);
    assert.match(no.header ?? "", new RegExp(`^Root=${root};Parent=[0-9a-f]{16};Sampled=0$`));
    assert.is(no.lambda, undefined);
  }
  assert.is(state.draws, 0, "an upstream decision is not drawn for");
  // No decision upstream (absent or `?`): the mode decides, in the upstream trace.
  for (const h of [`Root=${root}`, `Root=${root};Parent=53995c3f42cd8ad8;Sampled=?`]) {
    const upstream = parseUpstreamHeader(h, "h");
    assert.is(header(decideTrace({ mode: "passthrough", upstream }, sampler))?.[4], "0");
    state.random = 0.01;
    const active = decideTrace({ mode: "active", upstream }, sampler);
    assert.is(active.lambda?.traceId, root);
    state.random = 0.99;
    assert.is(header(decideTrace({ mode: "active", upstream }, sampler))?.[4], "0");
  }
});

test("the test override beats the mode; an exact header is sent as given, recorded only with Sampled=1", () => {
  const { sampler } = scripted();
  assert.is(header(decideTrace({ mode: "passthrough", fallback: "1" }, sampler))?.[4], "1");
  assert.is(decideTrace({ mode: "active", sampled: "none" }, sampler).header, null);
  const upstream = parseUpstreamHeader("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0", "h");
  assert.is(header(decideTrace({ mode: "passthrough", upstream, sampled: "1" }, sampler))?.[4], "1", "an invocation's own override first");
  assert.is(
    header(decideTrace({ mode: "passthrough", upstream, fallback: "1" }, sampler))?.[4],
    "0",
    "the upstream decision over the emulator's",
  );
  const exact = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  assert.equal(decideTrace({ mode: "passthrough", exact }, sampler), {
    header: exact,
    lambda: { traceId: "1-5759e988-bd862e3fe1be46a994272793", invocationId: "53995c3f42cd8ad8" },
  });
  assert.equal(decideTrace({ mode: "active", exact: "Root=1-x;Sampled=1" }, sampler), { header: "Root=1-x;Sampled=1" });
  assert.equal(decideTrace({ mode: "active", exact: null }, sampler), { header: null });
});

test("upstream headers that are refused, each with what is wrong; fields other than Root, Parent, Sampled are dropped", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /needs Root=1-<8 hex digits>-<24 hex digits>/],
    ["Parent=53995c3f42cd8ad8;Sampled=1", /needs Root=/],
    ["Root=1-5759e988-bd862e3fe1be46a99427279", /needs Root=/],
    ["Root=2-5759e988-bd862e3fe1be46a994272793", /needs Root=/],
    ["Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000", /Parent must be 16 hex digits, not all zero/],
    ["Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad", /Parent must be 16 hex digits/],
    ["Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=yes", /Sampled must be 0, 1 or \?, not "yes"/],
    ["Root=1-5759e988-bd862e3fe1be46a994272793;garbage", /Key=Value fields separated by ';'/],
  ];
  for (const [h, message] of cases) {
    assert.throws(
      () => parseUpstreamHeader(h, "--trace-header"),
      (e: Error) => e instanceof TypeError && message.test(e.message) && e.message.startsWith("--trace-header"),
    );
  }
  assert.equal(parseUpstreamHeader(" Root=1-5759e988-bd862e3fe1be46a994272793 ; Lineage=a87bd80c:1|68fd508a:5 ; Self=x", "h"), {
    root: "1-5759e988-bd862e3fe1be46a994272793",
  });
});

test("the CLI: --tracing and --trace-header checked, passthrough by default, --sampled cannot be combined with an upstream header", () => {
  const base = ["--handler", "index.handler"];
  assert.is(parseInvokeArgs(base).tracing, "passthrough");
  assert.is(parseInvokeArgs(base).sampled, undefined);
  assert.is(parseInvokeArgs([...base, "--tracing", "active"]).tracing, "active");
  const h = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
  assert.is(parseInvokeArgs([...base, "--trace-header", h]).traceHeader, h);
  const refused: Array<[string[], RegExp]> = [
    [["--tracing", "Active"], /--tracing must be one of active, passthrough, not "Active"/],
    [
      ["--trace-header", "Root=1-x"],
      /--trace-header needs Root=.*; give it as Root=1-<8 hex>-<24 hex>\[;Parent=<16 hex>\]\[;Sampled=0\|1\]/,
    ],
    [["--trace-header", h, "--sampled", "1"], /--trace-header and --sampled cannot be combined/],
  ];
  for (const [args, message] of refused)
    assert.throws(
      () => parseInvokeArgs([...base, ...args]),
      (e: Error) => e instanceof UsageError && message.test(e.message),
    );
});

test("the documents for given times: every field Lambda records, both valid, Initialization only when given", () => {
  const trace = { traceId: "1-5759e988-bd862e3fe1be46a994272793", invocationId: "53995c3f42cd8ad8", upstreamParent: "1234567890abcdef" };
  const facts = { functionName: "fn", arn: "arn:aws:lambda:us-east-1:000000000000:function:fn", requestId: "r-1", failed: false };
  const times = { receivedAt: 1_000_000, init: { start: 1_000_001, end: 1_000_050 }, deliveredAt: 1_000_051, respondedAt: 1_000_080 };
  const [fn, service] = lambdaDocuments(trace, times, 1_000_082.5, facts);
  assert.equal(validateDocument(fn), []);
  assert.equal(validateDocument(service), []);
  assert.equal(service, {
    name: "fn",
    id: service.id,
    trace_id: trace.traceId,
    parent_id: "1234567890abcdef",
    start_time: 1000,
    end_time: 1000.08,
    origin: "AWS::Lambda",
    resource_arn: facts.arn,
    http: { response: { status: 200 } },
    aws: { request_id: "r-1" },
  });
  assert.match(String(service.id), /^[0-9a-f]{16}$/);
  const subs = fn.subsegments as Array<Record<string, unknown>>;
  assert.equal(
    subs.map((s) => [s.name, s.start_time, s.end_time]),
    [
      ["Initialization", 1000.001, 1000.05],
      ["Invocation", 1000.051, 1000.08],
      ["Overhead", 1000.08, 1000.0825],
    ],
  );
  assert.is(subs[1]!.id, "53995c3f42cd8ad8");
  assert.equal(
    [fn.parent_id, fn.origin, fn.start_time, fn.end_time, fn.fault],
    [service.id, "AWS::Lambda::Function", 1000.001, 1000.0825, undefined],
  );
  const { init: _cold, ...warmTimes } = times;
  const [warm] = lambdaDocuments({ traceId: trace.traceId, invocationId: trace.invocationId }, warmTimes, 1_000_081, {
    ...facts,
    failed: true,
  });
  assert.equal(
    (warm.subsegments as Array<Record<string, unknown>>).map((s) => s.name),
    ["Invocation", "Overhead"],
  );
  assert.is(warm.start_time, 1000.051);
  assert.is(warm.fault, true);
  assert.is((warm.subsegments as Array<Record<string, unknown>>)[0]!.fault, true);
});

test.run();
