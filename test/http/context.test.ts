/**
 * traceRequestListener's segment as the context: getSegment(), capture() and xray-edge/fetch
 * inside the listener's awaits nest under it; a listener's exception is recorded with fault and
 * reaches the caller as the same object; 50 interleaved requests each stay in their own trace.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { captureAsync, getSegment } from "../../adapters/context/index.ts";
import { instrumentFetch } from "../../adapters/fetch/index.ts";
import { traceRequestListener } from "../../adapters/http/index.ts";
import { documents, flags, get, headerFields, ID16, newHeader, serve, setup } from "./helpers.ts";

test("inside the listener, after awaits: getSegment() is the request's segment, captureAsync and fetch nest under it, downstream gets its trace", async () => {
  const { tracer, emitter } = setup();
  const downstream: (string | undefined)[] = [];
  const backend = await serve((req, res) => {
    downstream.push(req.headers["x-amzn-trace-id"] as string | undefined);
    res.end("backend");
  });
  const tracedFetch = instrumentFetch(fetch);
  const seen: { id?: string; traceId?: string } = {};
  const s = await serve(
    traceRequestListener(
      async (_req, res) => {
        await new Promise((r) => setTimeout(r, 1));
        const segment = getSegment();
        seen.id = segment?.id;
        seen.traceId = segment?.traceId;
        const body = await captureAsync("load", async () => {
          await Promise.resolve();
          return (await tracedFetch(`${backend.base}/data`)).text();
        });
        res.end(body);
      },
      { tracer },
    ),
  );
  try {
    const incoming = newHeader("1");
    const answer = await get(s.base, "/", { "x-amzn-trace-id": incoming.header });
    assert.is(answer.body, "backend");
    const [doc] = await documents(emitter, 1);
    assert.is(doc!.trace_id, incoming.root);
    assert.is(seen.id, doc!.id, "getSegment() gave the request's segment");
    assert.is(seen.traceId, incoming.root);
    assert.is(doc!.subsegments.length, 1);
    const load = doc!.subsegments[0];
    assert.is(load.name, "load");
    assert.is(load.subsegments.length, 1);
    const call = load.subsegments[0];
    assert.is(call.namespace, "remote");
    assert.equal(call.http.request, { method: "GET", url: `${backend.base}/data` });
    assert.match(call.id, ID16);
    assert.equal(headerFields(downstream[0]), { Root: incoming.root, Parent: call.id, Sampled: "1" });
  } finally {
    await s.close();
    await backend.close();
  }
});

test("an unsampled request: the context still carries its trace downstream, as Sampled=0", async () => {
  const { tracer, emitter } = setup(() => false);
  const downstream: (string | undefined)[] = [];
  const backend = await serve((req, res) => {
    downstream.push(req.headers["x-amzn-trace-id"] as string | undefined);
    res.end();
  });
  const tracedFetch = instrumentFetch(fetch);
  const s = await serve(
    traceRequestListener(
      async (_req, res) => {
        await tracedFetch(`${backend.base}/`);
        res.end();
      },
      { tracer },
    ),
  );
  try {
    const incoming = newHeader(null);
    await get(s.base, "/", { "x-amzn-trace-id": incoming.header });
    const f = headerFields(downstream[0]);
    assert.is(f.Root, incoming.root);
    assert.is(f.Sampled, "0");
    assert.is(emitter.datagrams.length, 0);
  } finally {
    await s.close();
    await backend.close();
  }
});

test("a listener that throws: the error is recorded with fault and thrown to the caller as the same object", async () => {
  const { tracer, emitter } = setup();
  const boom = new RangeError("boom");
  const traced = traceRequestListener(
    () => {
      throw boom;
    },
    { tracer },
  );
  const caught: unknown[] = [];
  const s = await serve((req, res) => {
    try {
      traced(req, res);
    } catch (error) {
      caught.push(error);
      res.statusCode = 500;
      res.end();
    }
  });
  try {
    const answer = await get(s.base, "/");
    assert.is(answer.status, 500);
    assert.is(caught.length, 1);
    assert.is(caught[0], boom);
    const [doc] = await documents(emitter, 1);
    assert.equal(flags(doc!), { error: false, throttle: false, fault: true });
    assert.is(doc!.cause.exceptions.length, 1);
    assert.is(doc!.cause.exceptions[0].message, "boom");
    assert.is(doc!.cause.exceptions[0].type, "RangeError");
    assert.equal(doc!.http.response, { status: 500 });
  } finally {
    await s.close();
  }
});

test("a listener that rejects: recorded with fault, and the promise returned rejects with the same object", async () => {
  const { tracer, emitter } = setup();
  const boom = new Error("async boom");
  const traced = traceRequestListener(
    async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1));
      res.statusCode = 502;
      res.end();
      throw boom;
    },
    { tracer },
  );
  const caught: unknown[] = [];
  const s = await serve((req, res) => {
    Promise.resolve(traced(req, res)).catch((error) => caught.push(error));
  });
  try {
    await get(s.base, "/");
    const [doc] = await documents(emitter, 1);
    assert.equal(caught, [boom]);
    assert.is(caught[0], boom);
    assert.equal(flags(doc!), { error: false, throttle: false, fault: true });
    assert.is(doc!.cause.exceptions[0].message, "async boom");
  } finally {
    await s.close();
  }
});

test("50 interleaved requests: each document in its own trace, with its own subsegment, none mixed", async () => {
  const { tracer, emitter } = setup();
  const N = 50;
  // Every listener waits until all 50 have arrived, then they resume in reverse order: the awaits
  // of all requests interleave, so a context that leaked from one request to another would show.
  let arrived = 0;
  const gates: (() => void)[] = [];
  let allIn!: () => void;
  const all = new Promise<void>((r) => (allIn = r));
  const s = await serve(
    traceRequestListener(
      async (req, res) => {
        const n = Number(req.url!.slice(1));
        const gate = new Promise<void>((r) => (gates[n] = r));
        if (++arrived === N) allIn();
        await gate;
        await captureAsync(`work-${n}`, async (sub) => {
          sub.addAnnotation("n", n);
          await new Promise((r) => setImmediate(r));
        });
        res.end(String(getSegment()?.traceId));
        if (n > 0) gates[n - 1]!();
      },
      { tracer },
    ),
  );
  try {
    const headers = Array.from({ length: N }, () => newHeader("1"));
    const answers = Promise.all(headers.map((h, n) => get(s.base, `/${n}`, { "x-amzn-trace-id": h.header })));
    await all;
    gates[N - 1]!();
    const bodies = (await answers).map((a) => a.body);
    assert.equal(
      bodies,
      headers.map((h) => h.root),
      "getSegment() inside each request gave that request's trace",
    );
    const docs = await documents(emitter, N);
    assert.is(docs.length, N);
    assert.is(new Set(docs.map((d) => d.trace_id)).size, N);
    for (const doc of docs) {
      const n = Number(doc.http.request.url.split("/").pop());
      assert.is(doc.trace_id, headers[n]!.root, `request ${n}'s trace`);
      assert.is(doc.parent_id, headers[n]!.parent);
      assert.is(doc.subsegments.length, 1, `request ${n} has exactly its own subsegment`);
      assert.is(doc.subsegments[0].name, `work-${n}`);
      assert.equal(doc.subsegments[0].annotations, { n });
    }
  } finally {
    await s.close();
  }
});

test.run();
