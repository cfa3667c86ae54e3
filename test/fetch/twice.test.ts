/**
 * instrumentFetch applied twice records each call once (issue 16): directly
 * (instrumentFetch(traced)), through globalThis.fetch replaced by a traced one, and with the
 * user's own wrapper between two instrumentations. Against a real local server: it must still get
 * one X-Amzn-Trace-Id whose Parent is the one subsegment recorded.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { instrumentFetch } from "../../adapters/fetch/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { headerFields, setup, suiteServer } from "./helpers.ts";

const server = suiteServer(test);

/** The remote subsegments in the documents sent, wherever they sit. */
function remoteSubsegments(docs: Record<string, any>[]): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  const visit = (e: Record<string, any>) => {
    for (const s of e.subsegments ?? []) {
      if (s.namespace === "remote") out.push(s);
      visit(s);
    }
  };
  for (const d of docs) {
    if (d.type === "subsegment" && d.namespace === "remote") out.push(d);
    visit(d);
  }
  return out;
}

async function oneCall(fetchFn: (url: string) => Promise<Response>) {
  const { tracer, emitter } = setup();
  const before = server.received.length;
  const segment = tracer.beginSegment("twice");
  const response = await withSegment(segment, () => fetchFn(`${server.base}/status/200`));
  await response.text();
  segment.close();
  const remote = remoteSubsegments(emitter.documents());
  const received = server.received.slice(before);
  return { remote, received, segment };
}

function assertRecordedOnce(r: Awaited<ReturnType<typeof oneCall>>, label: string): void {
  assert.is(r.remote.length, 1, `${label}: one remote subsegment, got ${r.remote.length}`);
  assert.is(r.received.length, 1, `${label}: one request`);
  assert.is(r.received[0]!.traceHeaders.length, 1, `${label}: one header line`);
  const fields = headerFields(r.received[0]!.traceHeaders[0]);
  assert.is(fields.Root, r.segment.traceId, label);
  assert.is(fields.Parent, r.remote[0]!.id, `${label}: the header's Parent is the recorded subsegment`);
}

test("instrumentFetch(instrumentFetch(fetch)) is the same function and records a call once", async () => {
  const once = instrumentFetch(fetch);
  const twice = instrumentFetch(once);
  assert.is(twice, once);
  assertRecordedOnce(await oneCall(twice), "direct");
});

test("a traced globalThis.fetch instrumented again (the default argument) records once", async () => {
  const original = globalThis.fetch;
  try {
    globalThis.fetch = instrumentFetch(original);
    const again = instrumentFetch();
    assertRecordedOnce(await oneCall(again), "global");
  } finally {
    globalThis.fetch = original;
  }
});

test("the user's wrapper between two instrumentations: the outer records, the inner passes the call on", async () => {
  const inner = instrumentFetch(fetch);
  let wrapperCalls = 0;
  const wrapper = (input: string, init?: RequestInit) => {
    wrapperCalls++;
    return inner(input, init);
  };
  const outer = instrumentFetch(wrapper);
  assertRecordedOnce(await oneCall(outer), "wrapped");
  assert.is(wrapperCalls, 1);
  // And the inner one alone still records: the pass-through lasts only while the outer calls it.
  assertRecordedOnce(await oneCall(inner), "inner alone afterwards");
});

test("an inner fetch that throws synchronously leaves the pass-through off for the next call", async () => {
  const throwing = instrumentFetch((_input: string): Promise<Response> => {
    throw new TypeError("sync failure");
  });
  const { tracer } = setup();
  const segment = tracer.beginSegment("throws");
  assert.throws(() => withSegment(segment, () => throwing(`${server.base}/status/200`)), /sync failure/);
  segment.close();
  assertRecordedOnce(await oneCall(instrumentFetch(fetch)), "after a throw");
});

test.run();
