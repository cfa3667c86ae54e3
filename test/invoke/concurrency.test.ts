/**
 * The emulator with `concurrency` N and streamed responses, the test playing the runtime over
 * HTTP: N `next` requests parked and answered at once, the N+1th refused, answers in any order,
 * AWS_LAMBDA_MAX_CONCURRENCY handed to the runtime; a streamed body handed on chunk by chunk as it
 * arrives, its Function URL prelude split off, an error in its trailers; --concurrency checked.
 */
import http from "node:http";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { UsageError, parseInvokeArgs } from "../../bin/invoke/args.ts";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../bin/invoke/emulator.ts";
import { ROOT, expectingRejections, runCli, waitFor } from "./helpers.ts";

const base = (em: Emulator): string => `http://${em.address}/2018-06-01/runtime`;
const next = (em: Emulator): Promise<Response> => fetch(`${base(em)}/invocation/next`);
const respond = (em: Emulator, id: string, body: string): Promise<Response> =>
  fetch(`${base(em)}/invocation/${id}/response`, { method: "POST", body });

/** A runtime that prints its AWS_LAMBDA_MAX_CONCURRENCY, then idles: the test plays it over HTTP. */
const IDLE_PRINTING = [
  process.execPath,
  "-e",
  'console.log("MAX=" + process.env.AWS_LAMBDA_MAX_CONCURRENCY); setInterval(() => {}, 60000)',
];

async function withEmulator(options: Partial<EmulatorOptions>, body: (em: Emulator, lines: string[]) => Promise<void>): Promise<void> {
  const lines: string[] = [];
  const em = expectingRejections(
    await startEmulator({ command: IDLE_PRINTING, log: (l) => void lines.push(l), timeoutMs: 20_000, ...options }),
  );
  try {
    await body(em, lines);
  } finally {
    await em.close();
  }
}

/** A streamed POST written by hand: each chunk sent when `before(i)` resolves, then the trailers. */
function streamPost(
  em: Emulator,
  id: string,
  chunks: (string | Buffer)[],
  options: { contentType?: string; trailers?: Record<string, string>; before?: (i: number) => Promise<void> } = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const [host, port] = em.address.split(":");
    const req = http.request(
      {
        host,
        port: Number(port),
        method: "POST",
        path: `/2018-06-01/runtime/invocation/${id}/response`,
        headers: {
          "Lambda-Runtime-Function-Response-Mode": "streaming",
          "Transfer-Encoding": "chunked",
          Trailer: "Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body",
          "Content-Type": options.contentType ?? "application/octet-stream",
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    void (async () => {
      for (const [i, chunk] of chunks.entries()) {
        await options.before?.(i);
        req.write(chunk);
      }
      if (options.trailers) req.addTrailers(options.trailers);
      req.end();
    })().catch(reject);
  });
}

test("concurrency 3: three next requests get three events at once, a fourth is refused, answers come in any order", () =>
  withEmulator({ concurrency: 3 }, async (em, lines) => {
    const results = [0, 1, 2].map((n) => em.invoke({ n }));
    const answers = await Promise.all([next(em), next(em), next(em)]);
    assert.ok(
      answers.every((r) => r.status === 200),
      answers.map((r) => r.status).join(),
    );
    const events = await Promise.all(answers.map((r) => r.json()));
    assert.equal(events.map((e: { n: number }) => e.n).sort(), [0, 1, 2]);
    const ids = answers.map((r) => r.headers.get("lambda-runtime-aws-request-id")!);
    assert.is(new Set(ids).size, 3);
    const fourth = await next(em);
    assert.is(fourth.status, 403);
    assert.is((await fourth.json()).errorType, "InvalidStateTransition");
    // In reverse order: each invocation's answer is its own.
    for (const i of [2, 1, 0]) assert.is((await respond(em, ids[i]!, JSON.stringify({ from: events[i].n }))).status, 202);
    const done = await Promise.all(results);
    assert.equal(
      done.map((r) => r.response),
      [{ from: 0 }, { from: 1 }, { from: 2 }],
    );
    await waitFor(() => lines.includes("[runtime] MAX=3"), 10_000, "the runtime's line");
  }));

test("AWS_LAMBDA_MAX_CONCURRENCY=2 given through env: two slots, as the runtime is told; concurrency wins over it", async () => {
  await withEmulator({ env: { AWS_LAMBDA_MAX_CONCURRENCY: "2" } }, async (em, lines) => {
    const results = [0, 1].map((n) => em.invoke({ n }));
    const answers = await Promise.all([next(em), next(em)]);
    assert.equal(
      answers.map((r) => r.status),
      [200, 200],
    );
    for (const r of answers) assert.is((await respond(em, r.headers.get("lambda-runtime-aws-request-id")!, "{}")).status, 202);
    await Promise.all(results);
    await waitFor(() => lines.includes("[runtime] MAX=2"), 10_000, "the runtime's line");
  });
  await withEmulator({ concurrency: 3, env: { AWS_LAMBDA_MAX_CONCURRENCY: "2" } }, async (em, lines) => {
    const result = em.invoke({});
    await respond(em, (await next(em)).headers.get("lambda-runtime-aws-request-id")!, "{}");
    await result;
    await waitFor(() => lines.some((l) => l.startsWith("[runtime] MAX=")), 10_000, "the runtime's line");
    assert.ok(lines.includes("[runtime] MAX=3"), lines.join("\n"));
  });
});

test("without concurrency the runtime gets no AWS_LAMBDA_MAX_CONCURRENCY, and a next during an invocation is refused", () =>
  withEmulator({}, async (em, lines) => {
    const result = em.invoke({});
    const id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const second = await next(em);
    assert.is(second.status, 403);
    assert.is((await second.json()).errorType, "InvalidStateTransition");
    await respond(em, id, "{}");
    assert.is((await result).status, "success");
    await waitFor(() => lines.some((l) => l.startsWith("[runtime] MAX=")), 10_000, "the runtime's line");
    assert.ok(lines.includes("[runtime] MAX=undefined"), lines.join("\n"));
  }));

test("a streamed body is handed on chunk by chunk as it arrives; the result keeps it whole", async () => {
  const seen: string[] = [];
  await withEmulator({ onChunk: (_id, chunk) => void seen.push(chunk.toString("utf8")) }, async (em) => {
    const result = em.invoke({});
    const id = (await (await next(em)).headers.get("lambda-runtime-aws-request-id"))!;
    // Each chunk is written only once the one before it has come out of onChunk.
    const status = await streamPost(em, id, ["first ", "second ", "third"], {
      before: (i) => waitFor(() => seen.length >= i, 10_000, `chunk ${i}`),
    });
    assert.is(status, 202);
    assert.equal(seen, ["first ", "second ", "third"]);
    const r = await result;
    assert.is(r.status, "success");
    assert.is(r.responseText, "first second third");
    assert.equal(r.streamed, { chunks: 3, bytes: 18, contentType: "application/octet-stream" });
  });
});

test("a Function URL response: the prelude split off and parsed, the body after its 8 NULs", async () => {
  const seen: Buffer[] = [];
  await withEmulator({ onChunk: (_id, chunk) => void seen.push(chunk) }, async (em) => {
    const result = em.invoke({});
    const id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const prelude = JSON.stringify({ statusCode: 201, headers: { "x-a": "b" } });
    // The prelude arrives in two pieces, its delimiter with the first body bytes.
    const chunks = [prelude.slice(0, 10), Buffer.concat([Buffer.from(prelude.slice(10)), Buffer.alloc(8), Buffer.from("<p>")]), "hi</p>"];
    assert.is(await streamPost(em, id, chunks, { contentType: "application/vnd.awslambda.http-integration-response" }), 202);
    const r = await result;
    assert.is(r.responseText, "<p>hi</p>");
    assert.equal(r.streamed?.prelude, { statusCode: 201, headers: { "x-a": "b" } });
    assert.is(Buffer.concat(seen).toString(), "<p>hi</p>");
  });
});

test("an error in the trailers: the invocation fails with the document, the body so far kept", () =>
  withEmulator({}, async (em) => {
    const result = em.invoke({});
    const id = (await next(em)).headers.get("lambda-runtime-aws-request-id")!;
    const document = { errorMessage: "broke mid-stream", errorType: "StreamError", stackTrace: ["StreamError: broke mid-stream"] };
    const trailers = {
      "Lambda-Runtime-Function-Error-Type": "StreamError",
      "Lambda-Runtime-Function-Error-Body": Buffer.from(JSON.stringify(document)).toString("base64"),
    };
    assert.is(await streamPost(em, id, ["partial"], { trailers }), 202);
    const r = await result;
    assert.is(r.status, "error");
    assert.is(r.error?.errorType, "StreamError");
    assert.is(r.error?.errorMessage, "broke mid-stream");
    assert.equal(r.error?.stackTrace, ["StreamError: broke mid-stream"]);
    assert.is(r.responseText, "partial");
  }));

test("--concurrency: 1 to 256, a usage error naming the option otherwise; startEmulator checks it too", async () => {
  const args = ["--handler", "index.handler"];
  assert.is(parseInvokeArgs([...args, "--concurrency", "8"], ROOT).concurrency, 8);
  assert.is(parseInvokeArgs(args, ROOT).concurrency, undefined);
  for (const bad of ["0", "257", "2.5", "x", "-1"]) {
    assert.throws(
      () => parseInvokeArgs([...args, "--concurrency", bad], ROOT),
      (e: Error) => e instanceof UsageError && e.message.startsWith("--concurrency must be a whole number of invocations from 1 to 256"),
      bad,
    );
  }
  for (const bad of [0, 257, 1.5, Number.NaN]) {
    try {
      await startEmulator({ command: IDLE_PRINTING, concurrency: bad, quiet: true });
      assert.unreachable(`concurrency ${bad} accepted`);
    } catch (e) {
      assert.instance(e, RangeError);
      assert.match((e as Error).message, /concurrency must be a whole number from 1 to 256/);
    }
  }
});

test("the CLI: --concurrency 2 with a streaming handler prints each body as it comes, then each result", async () => {
  const run = await runCli(
    [
      "invoke",
      "--handler",
      "streaming.handler",
      "--task-root",
      "test/runtime/fixtures",
      "--concurrency",
      "2",
      "--event",
      '{"action":"chunks","chunks":["alpha-","one"]}',
      "--event",
      '{"action":"chunks","chunks":["beta-","two"]}',
      "--quiet",
    ],
    {},
    60_000,
  );
  assert.is(run.code, 0, run.err);
  assert.ok(run.out.includes("alpha-one") && run.out.includes("beta-two"), run.out);
  // The bytes, not the chunks: two writes in a row may reach the emulator in one read.
  const summaries = run.out.split("\n").filter((l) => l.startsWith("(streamed: "));
  assert.equal(summaries.map((l) => /, (\d+) bytes, application\/octet-stream\)$/.exec(l)?.[1]).sort(), ["8", "9"], run.out);
  // Each result block starts on a line of its own, after the body it follows.
  assert.match(run.out, /^\[[12]\/2\] [0-9a-f-]{36} {2}success/m);
});

test.run();
