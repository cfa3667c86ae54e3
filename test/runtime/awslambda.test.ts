/**
 * The `awslambda` global's parts as units: streamifyResponse's marks, HttpResponseStream.from's
 * prelude, the streaming mark checked at init, InvokeStore with and without AsyncLocalStorage,
 * the trailers' size bound, AWS_LAMBDA_MAX_CONCURRENCY's accepted values.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  HIGH_WATER_MARK,
  HttpResponseStream,
  isStreaming,
  STREAMING,
  streamifyResponse,
  highWaterMark,
} from "../../adapters/runtime/awslambda.ts";
import { maxConcurrency } from "../../adapters/runtime/concurrency.ts";
import { InvokeStore, invokeValues, PROTECTED_KEYS, type AsyncLocalStorageClass } from "../../adapters/runtime/invoke-store.ts";
import { failureTrailers, MAX_TRAILER_DOCUMENT_BYTES, T_ERROR_BODY, T_ERROR_TYPE } from "../../adapters/runtime/stream.ts";

test("streamifyResponse marks the handler with Lambda's symbols; isStreaming and highWaterMark read them", () => {
  const h = streamifyResponse(async () => {}, { highWaterMark: 4096 });
  assert.is((h as any)[STREAMING], "response");
  assert.is((h as any)[HIGH_WATER_MARK], 4096);
  assert.is(STREAMING, Symbol.for("aws.lambda.runtime.handler.streaming"));
  assert.is(isStreaming(h), true);
  assert.is(highWaterMark(h), 4096);
  assert.is(
    isStreaming(async () => {}),
    false,
  );
  assert.is(highWaterMark(streamifyResponse(async () => {})), undefined);
  const odd = Object.assign(async () => {}, { [STREAMING]: "bidirectional" });
  assert.throws(
    () => isStreaming(odd),
    (e: Error) => e.name === "Runtime.MalformedStreamingHandler",
  );
});

test("HttpResponseStream.from: the content type, then the prelude's JSON and 8 NULs before the first write", () => {
  const written: (string | Uint8Array)[] = [];
  let contentType = "";
  const stream: { setContentType(t: string): void; _onBeforeFirstWrite?: (w: (c: string | Uint8Array) => void) => void } = {
    setContentType: (t) => void (contentType = t),
  };
  assert.is(HttpResponseStream.from(stream, { statusCode: 404, headers: { a: "b" } }), stream);
  assert.is(contentType, "application/vnd.awslambda.http-integration-response");
  stream._onBeforeFirstWrite!((c) => void written.push(c));
  assert.is(written[0], '{"statusCode":404,"headers":{"a":"b"}}');
  assert.equal([...(written[1] as Uint8Array)], [0, 0, 0, 0, 0, 0, 0, 0]);
});

test("InvokeStore: each async flow sees its own values with AsyncLocalStorage; protected keys cannot be set", async () => {
  const store = new InvokeStore(new (AsyncLocalStorage as unknown as AsyncLocalStorageClass)());
  assert.is(store.getRequestId(), "-");
  const seen = await Promise.all(
    ["a", "b"].map((id) =>
      store.run(invokeValues(id, `Root=1-00000000-${id.repeat(24)}`), async () => {
        await new Promise((r) => setTimeout(r, id === "a" ? 5 : 0));
        store.set("mine", id);
        return [store.getRequestId(), store.getXRayTraceId(), store.get("mine")];
      }),
    ),
  );
  assert.equal(seen, [
    ["a", `Root=1-00000000-${"a".repeat(24)}`, "a"],
    ["b", `Root=1-00000000-${"b".repeat(24)}`, "b"],
  ]);
  assert.throws(() => store.run(invokeValues("c", undefined), () => store.set(PROTECTED_KEYS.X_RAY_TRACE_ID, "x")), /protected/);
  assert.throws(() => store.set("outside", 1), /No context available/);
  const single = new InvokeStore();
  single.run(invokeValues("one", undefined), () => {});
  assert.is(single.getRequestId(), "one");
  assert.is(single.getXRayTraceId(), undefined);
});

test("the trailers: a valid type header, and a document kept within its byte budget", () => {
  const small = failureTrailers(Object.assign(new Error("short"), { name: "Bad\nType" }));
  assert.is(small[T_ERROR_TYPE], "Unhandled");
  assert.is(JSON.parse(atob(small[T_ERROR_BODY]!)).errorMessage, "short");
  const error = new Error("é".repeat(20_000));
  error.stack = Array.from({ length: 2000 }, (_, i) => `    at frame${i} (/var/task/x.mjs:${i}:1)`).join("\n");
  const big = failureTrailers(error);
  const bytes = Uint8Array.from(atob(big[T_ERROR_BODY]!), (c) => c.charCodeAt(0));
  assert.ok(bytes.length <= MAX_TRAILER_DOCUMENT_BYTES, `${bytes.length} bytes`);
  const document = JSON.parse(new TextDecoder().decode(bytes));
  assert.is(document.errorType, "Error");
  assert.ok("é".repeat(20_000).startsWith(document.errorMessage) && document.errorMessage.length > 0);
});

test("AWS_LAMBDA_MAX_CONCURRENCY: unset is none; 1 to 256; anything else throws naming it", () => {
  assert.is(maxConcurrency({}), undefined);
  assert.is(maxConcurrency({ AWS_LAMBDA_MAX_CONCURRENCY: "" }), undefined);
  assert.is(maxConcurrency({ AWS_LAMBDA_MAX_CONCURRENCY: "1" }), 1);
  assert.is(maxConcurrency({ AWS_LAMBDA_MAX_CONCURRENCY: " 64 " }), 64);
  assert.is(maxConcurrency({ AWS_LAMBDA_MAX_CONCURRENCY: "256" }), 256);
  for (const bad of ["0", "257", "1.5", "-3", "x", "1e2"])
    assert.throws(
      () => maxConcurrency({ AWS_LAMBDA_MAX_CONCURRENCY: bad }),
      (e: Error) => e instanceof RangeError && e.message.includes(`AWS_LAMBDA_MAX_CONCURRENCY="${bad}"`),
      bad,
    );
});

test.run();
