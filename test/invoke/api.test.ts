/**
 * The Runtime API as a runtime sees it, with the test playing the runtime over HTTP (the process
 * the emulator starts never calls the API): the `next` headers, status codes and bodies of every
 * endpoint, the 6 MB limits both ways, init errors, calls out of turn, streamed responses.
 */
import http from "node:http";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../bin/invoke/emulator.ts";
import { IDLE_COMMAND, UUID, expectingRejections, checkTraceHeader, collector, sleep, waitFor } from "./helpers.ts";

const SIX_MB = 6 * 1024 * 1024;
const base = (em: Emulator): string => `http://${em.address}/2018-06-01/runtime`;
const next = (em: Emulator): Promise<Response> => fetch(`${base(em)}/invocation/next`);
const post = (em: Emulator, path: string, body: string, headers: Record<string, string> = {}): Promise<Response> =>
  fetch(`${base(em)}${path}`, { method: "POST", body, headers });

async function withEmulator(options: Partial<EmulatorOptions>, body: (em: Emulator) => Promise<void>): Promise<void> {
  const em = expectingRejections(await startEmulator({ command: IDLE_COMMAND, quiet: true, ...options }));
  try {
    await body(em);
  } finally {
    await em.close();
  }
}

test("next waits for an event, then answers 200 with the event and the documented headers", () =>
  withEmulator({ functionName: "api-fn", region: "eu-west-2", timeoutMs: 2000 }, async (em) => {
    let answered = false;
    const pending = next(em).then((r) => {
      answered = true;
      return r;
    });
    await sleep(300);
    assert.is(answered, false, "next must block while no event is queued");

    const t0 = Date.now();
    const result = em.invoke(
      { hello: "world" },
      { clientContext: '{"client":{"app_title":"t"}}', cognitoIdentity: '{"cognitoIdentityId":"id-1"}' },
    );
    const r = await pending;
    const t1 = Date.now();
    assert.is(r.status, 200);
    assert.is(r.headers.get("content-type"), "application/json");
    assert.is(await r.text(), '{"hello":"world"}');
    const id = r.headers.get("lambda-runtime-aws-request-id") ?? "";
    assert.match(id, UUID);
    const deadline = Number(r.headers.get("lambda-runtime-deadline-ms"));
    assert.ok(deadline >= t0 + 2000 && deadline <= t1 + 2000, `deadline ${deadline} not within [${t0 + 2000}, ${t1 + 2000}]`);
    assert.is(r.headers.get("lambda-runtime-invoked-function-arn"), "arn:aws:lambda:eu-west-2:000000000000:function:api-fn");
    const trace = r.headers.get("lambda-runtime-trace-id");
    checkTraceHeader(trace, "1", t0, t1);
    assert.is(r.headers.get("lambda-runtime-client-context"), '{"client":{"app_title":"t"}}');
    assert.is(r.headers.get("lambda-runtime-cognito-identity"), '{"cognitoIdentityId":"id-1"}');

    const answer = await post(em, `/invocation/${id}/response`, '{"ok":1}');
    assert.is(answer.status, 202);
    assert.equal(await answer.json(), { status: "OK" });
    const done = await result;
    assert.is(done.status, "success");
    assert.is(done.requestId, id);
    assert.is(done.traceHeader, trace);
    assert.is(done.deadlineMs, deadline);
    assert.equal(done.response, { ok: 1 });
    assert.is(done.responseText, '{"ok":1}');
  }));

test("Sampled=0 and no header at all, each with fresh IDs; without client context no such headers", () =>
  withEmulator({ sampled: "0" }, async (em) => {
    const seen = new Set<string>();
    for (const sampled of ["0", "0", "none"] as const) {
      const t0 = Date.now();
      const result = em.invoke({}, sampled === "none" ? { sampled } : {});
      const r = await next(em);
      const t1 = Date.now();
      const id = r.headers.get("lambda-runtime-aws-request-id")!;
      const trace = r.headers.get("lambda-runtime-trace-id");
      if (sampled === "none") assert.is(trace, null);
      else {
        const { root, parent } = checkTraceHeader(trace, "0", t0, t1);
        assert.not.ok(seen.has(root) || seen.has(parent), "Root and Parent are fresh for each invocation");
        seen.add(root).add(parent);
      }
      assert.not.ok(seen.has(id));
      seen.add(id);
      assert.is(r.headers.get("lambda-runtime-client-context"), null);
      assert.is(r.headers.get("lambda-runtime-cognito-identity"), null);
      await post(em, `/invocation/${id}/response`, "null");
      const done = await result;
      assert.is(done.traceHeader, trace);
      assert.is(done.response, null);
    }
  }));

test("unknown request IDs: 400 with an error body; a second answer too; unknown paths 404, wrong methods 405", () =>
  withEmulator({}, async (em) => {
    const stray = await post(em, "/invocation/00000000-0000-4000-8000-000000000000/response", "{}");
    assert.is(stray.status, 400);
    assert.equal(await stray.json(), { errorMessage: "Invalid request ID: not the invocation in progress", errorType: "InvalidRequestID" });

    const result = em.invoke({ n: 1 });
    const id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const wrong = await post(em, "/invocation/not-this-one/error", "{}");
    assert.is(wrong.status, 400);
    assert.is(((await wrong.json()) as { errorType: string }).errorType, "InvalidRequestID");
    assert.is((await post(em, `/invocation/${id}/response`, '"first"')).status, 202);
    const again = await post(em, `/invocation/${id}/response`, '"second"');
    assert.is(again.status, 400);
    assert.is(((await again.json()) as { errorType: string }).errorType, "InvalidRequestID");
    assert.is((await result).response, "first");

    const missing = await fetch(`http://${em.address}/2018-06-01/runtime/invocation`);
    assert.is(missing.status, 404);
    assert.is(((await missing.json()) as { errorType: string }).errorType, "NotFound");
    assert.is((await fetch(`http://${em.address}/2015-03-31/functions/f/invocations`, { method: "POST", body: "{}" })).status, 404);
    const method = await fetch(`${base(em)}/invocation/next`, { method: "POST", body: "" });
    assert.is(method.status, 405);
    assert.is(method.headers.get("allow"), "GET");
  }));

test("responses: exactly 6 MB is accepted; one byte more gets 413 and ends the invocation as Function.ResponseSizeTooLarge", () =>
  withEmulator({}, async (em) => {
    const fits = em.invoke({});
    let id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const payload = `"${"a".repeat(SIX_MB - 2)}"`;
    assert.is((await post(em, `/invocation/${id}/response`, payload)).status, 202);
    const ok = await fits;
    assert.is(ok.status, "success");
    assert.is(ok.responseText?.length, SIX_MB);

    const over = em.invoke({});
    id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const r = await post(em, `/invocation/${id}/response`, "b".repeat(SIX_MB + 1));
    assert.is(r.status, 413);
    assert.equal(await r.json(), {
      errorMessage: `Exceeded maximum allowed payload size (${SIX_MB} bytes).`,
      errorType: "RequestEntityTooLarge",
    });
    const failed = await over;
    assert.is(failed.status, "error");
    assert.is(failed.error?.errorType, "Function.ResponseSizeTooLarge");
    assert.is(
      failed.error?.errorMessage,
      `Response payload size (${SIX_MB + 1} bytes) exceeded maximum allowed payload size (${SIX_MB} bytes).`,
    );
    // The runtime carries on with the next event.
    const after = em.invoke({ after: true });
    const n = await next(em);
    assert.is(await n.text(), '{"after":true}');
    await post(em, `/invocation/${n.headers.get("lambda-runtime-aws-request-id")}/response`, "1");
    assert.is((await after).status, "success");
  }));

test("events over 6 MB are refused before they are queued; the next event is the one the runtime gets", () =>
  withEmulator({}, async (em) => {
    const big = await em.invoke(Buffer.from(`"${"e".repeat(SIX_MB - 1)}"`));
    assert.is(big.status, "error");
    assert.is(big.error?.errorType, "RequestEntityTooLargeException");
    assert.match(big.error?.errorMessage ?? "", /Request must be smaller than 6291456 bytes/);
    assert.is(big.deadlineMs, undefined);
    const small = em.invoke({ small: 1 });
    const r = await next(em);
    assert.is(await r.text(), '{"small":1}');
    await post(em, `/invocation/${r.headers.get("lambda-runtime-aws-request-id")}/response`, "{}");
    assert.is((await small).status, "success");
  }));

test("invocation errors: body, Lambda-Runtime-Function-Error-Type and the X-Ray cause come back; an unreadable body falls back on the header", () =>
  withEmulator({}, async (em) => {
    const first = em.invoke({});
    let id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const cause = {
      working_directory: "/var/task",
      exceptions: [{ type: "TypeError", message: "x is undefined" }],
      paths: ["/var/task/index.mjs"],
    };
    const r = await post(
      em,
      `/invocation/${id}/error`,
      JSON.stringify({ errorMessage: "x is undefined", errorType: "TypeError", stackTrace: ["at a (index.mjs:1:1)"] }),
      {
        "Lambda-Runtime-Function-Error-Type": "Runtime.UserError",
        "Lambda-Runtime-Function-XRay-Error-Cause": JSON.stringify(cause),
      },
    );
    assert.is(r.status, 202);
    assert.equal(await r.json(), { status: "OK" });
    const failed = await first;
    assert.is(failed.status, "error");
    assert.equal(failed.error, {
      errorType: "TypeError",
      errorMessage: "x is undefined",
      stackTrace: ["at a (index.mjs:1:1)"],
      functionErrorType: "Runtime.UserError",
      xrayErrorCause: cause,
    });

    const second = em.invoke({});
    id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    assert.is(
      (await post(em, `/invocation/${id}/error`, "not json", { "Lambda-Runtime-Function-Error-Type": "Runtime.Crashed" })).status,
      202,
    );
    const fallback = await second;
    assert.is(fallback.error?.errorType, "Runtime.Crashed");
    assert.is(fallback.error?.errorMessage, "not json");
  }));

test("calls out of turn get 403 InvalidStateTransition: a second next during an invocation, init/error after init", () =>
  withEmulator({}, async (em) => {
    const result = em.invoke({});
    const id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const early = await next(em);
    assert.is(early.status, 403);
    assert.is(((await early.json()) as { errorType: string }).errorType, "InvalidStateTransition");
    const late = await post(em, "/init/error", '{"errorMessage":"late","errorType":"Runtime.Late"}');
    assert.is(late.status, 403);
    assert.is((await post(em, `/invocation/${id}/response`, "{}")).status, 202);
    assert.is((await result).status, "success");
  }));

test("init/error before the first next: 202, every queued invocation ends as an init error with it; a runtime that stays is killed", () => {
  const logs = collector();
  return withEmulator({ quiet: false, log: logs.log }, async (em) => {
    const results = [em.invoke({ a: 1 }), em.invoke({ a: 2 })];
    await sleep(50);
    const r = await post(
      em,
      "/init/error",
      JSON.stringify({ errorMessage: "Cannot find module", errorType: "Runtime.ImportModuleError", stackTrace: [] }),
      {
        "Lambda-Runtime-Function-Error-Type": "Runtime.ImportModuleError",
      },
    );
    assert.is(r.status, 202);
    assert.equal(await r.json(), { status: "OK" });
    for (const result of await Promise.all(results)) {
      assert.is(result.status, "init error");
      assert.is(result.error?.errorType, "Runtime.ImportModuleError");
      assert.is(result.error?.errorMessage, "Cannot find module");
      assert.equal(result.initError, result.error);
      assert.is(result.deadlineMs, undefined);
    }
    // The idle process does not exit as a runtime should after init/error: it is killed...
    await waitFor(() => /ended: Runtime exited with error: signal: killed/.test(logs.text()), 3000, "the runtime to be killed");
    // ...and the next invocation starts a fresh one (Lambda retries init).
    const retry = em.invoke({ retry: true });
    const r2 = await next(em);
    assert.is(await r2.text(), '{"retry":true}');
    await post(em, `/invocation/${r2.headers.get("lambda-runtime-aws-request-id")}/response`, '"ok"');
    assert.is((await retry).status, "success");
    assert.is(logs.lines.filter((line) => line.startsWith("xray-edge invoke: runtime started")).length, 2);
  });
});

test("a streamed response is accepted; an error trailer turns it into an error", () =>
  withEmulator({}, async (em) => {
    const stream = (id: string, trailers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.request(`${base(em)}/invocation/${id}/response`, {
          method: "POST",
          headers: {
            "Lambda-Runtime-Function-Response-Mode": "streaming",
            "Transfer-Encoding": "chunked",
            Trailer: Object.keys(trailers).join(", "),
          },
        });
        req.on("response", (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.write("part one, ");
        req.write("part two");
        if (Object.keys(trailers).length > 0) req.addTrailers(trailers);
        req.end();
      });
    const ok = em.invoke({});
    let id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    assert.is(await stream(id, {}), 202);
    assert.is((await ok).response, "part one, part two");

    const broken = em.invoke({});
    id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const body = Buffer.from(JSON.stringify({ errorMessage: "stream broke", errorType: "Error" })).toString("base64");
    assert.is(await stream(id, { "Lambda-Runtime-Function-Error-Type": "Error", "Lambda-Runtime-Function-Error-Body": body }), 202);
    const failed = await broken;
    assert.is(failed.status, "error");
    assert.is(failed.error?.errorMessage, "stream broke");
  }));

test("idle() waits until the runtime asks for its next event with none queued: work it does after posting is inside", () =>
  withEmulator({}, async (em) => {
    let idle = 0;
    const first = em.invoke({ n: 1 });
    const r = await next(em);
    const watching = em.idle().then(() => idle++);
    await post(em, `/invocation/${r.headers.get("lambda-runtime-aws-request-id")}/response`, "{}");
    assert.is((await first).status, "success");
    await sleep(200); // the runtime "sends its trace" after posting: not idle yet
    assert.is(idle, 0, "answered, but the runtime has not asked for the next event");
    const waiting = next(em);
    await watching;
    assert.is(idle, 1);
    await em.idle(); // a runtime waiting with nothing queued: at once
    const second = em.invoke({ n: 2 });
    const later = em.idle().then(() => idle++);
    const r2 = await waiting;
    await sleep(100);
    assert.is(idle, 1, "an invocation in flight is not idle");
    await post(em, `/invocation/${r2.headers.get("lambda-runtime-aws-request-id")}/response`, "{}");
    await second;
    void next(em).catch(() => {}); // left waiting; the emulator's close ends it
    await later;
    assert.is(idle, 2);
  }));

test.run();
