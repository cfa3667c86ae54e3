/**
 * Issue 11, point 6: every environment setting is read and checked once, when the subpath that
 * uses it loads. Each row is a variable, a value and what must follow, run as a fresh process on
 * Node, Bun and Deno, importing the built bundles as ESM and requiring them as CommonJS: a
 * malformed value fails the import of each subpath that reads it, naming the variable and its
 * accepted values; an accepted one loads, and then no call throws (capture outside a segment,
 * an instrumented fetch, captureAwsClient, a traced handler).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RUNTIMES, runFixture } from "./run.ts";

type Subpath = "context" | "lambda" | "fetch" | "aws-sdk";
const SUBPATHS: Subpath[] = ["context", "lambda", "fetch", "aws-sdk"];

/** What each subpath's calls give when it loaded: the functions' own results, nothing thrown. */
const CALLS: Record<Subpath, unknown> = {
  context: { capture: { value: 42 } },
  lambda: { capture: { value: 42 }, traceHandler: { value: "handled" } },
  fetch: { fetch: { value: 204 }, made: 1 },
  "aws-sdk": { captureAwsClient: { value: true } },
};

interface Row {
  variable: string;
  value: string;
  /** The subpaths whose import must throw, with the message; every other one must load. */
  throws: Partial<Record<Subpath, RegExp>>;
}

const all = (message: RegExp): Row["throws"] => ({ context: message, lambda: message, fetch: message, "aws-sdk": message });

const ROWS: Row[] = [
  {
    variable: "AWS_XRAY_CONTEXT_MISSING",
    value: "bogus",
    throws: all(/^xray-edge: AWS_XRAY_CONTEXT_MISSING="bogus" is not valid: expected one of LOG_ERROR, RUNTIME_ERROR, IGNORE_ERROR$/),
  },
  {
    variable: "AWS_XRAY_SDK_ENABLED",
    value: "yes",
    throws: all(/^xray-edge: AWS_XRAY_SDK_ENABLED="yes" is not valid: expected one of true, false$/),
  },
  {
    variable: "AWS_XRAY_LOG_LEVEL",
    value: "verbose",
    throws: all(/^xray-edge: AWS_XRAY_LOG_LEVEL="verbose" is not valid: expected one of debug, info, warn, error, silent$/),
  },
  {
    variable: "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
    value: "maybe",
    throws: { lambda: /^xray-edge: POWERTOOLS_TRACER_CAPTURE_RESPONSE="maybe" is not valid: expected one of true, false$/ },
  },
  {
    variable: "POWERTOOLS_TRACER_CAPTURE_ERROR",
    value: "1",
    throws: { lambda: /^xray-edge: POWERTOOLS_TRACER_CAPTURE_ERROR="1" is not valid: expected one of true, false$/ },
  },
  {
    variable: "AWS_XRAY_DAEMON_ADDRESS",
    value: "localhost",
    throws: { lambda: /^xray-edge: invalid AWS_XRAY_DAEMON_ADDRESS "localhost": .*; expected host:port, udp:host:port tcp:host:port/ },
  },
  {
    variable: "AWS_LAMBDA_MAX_CONCURRENCY",
    value: "many",
    throws: { lambda: /^xray-edge: AWS_LAMBDA_MAX_CONCURRENCY="many" is not valid: expected a whole number, at least 1$/ },
  },
  {
    variable: "AWS_LAMBDA_MAX_CONCURRENCY",
    value: "0",
    throws: { lambda: /^xray-edge: AWS_LAMBDA_MAX_CONCURRENCY="0" is not valid: expected a whole number, at least 1$/ },
  },
  { variable: "AWS_LAMBDA_MAX_CONCURRENCY", value: "8", throws: {} },
  { variable: "AWS_XRAY_CONTEXT_MISSING", value: "ignore_error", throws: {} }, // any case is accepted
  { variable: "AWS_XRAY_SDK_ENABLED", value: " FALSE ", throws: {} }, // trimmed, any case: tracing off
  { variable: "AWS_XRAY_SDK_ENABLED", value: "", throws: {} }, // empty is unset
  { variable: "AWS_XRAY_DAEMON_ADDRESS", value: "udp:127.0.0.1:2000 tcp:127.0.0.1:2001", throws: {} },
];

for (const row of ROWS) {
  const expected = Object.fromEntries(
    SUBPATHS.map((s) => {
      const message = row.throws[s];
      return [s, message ? { loaded: false, error: message } : { loaded: true, calls: CALLS[s] }];
    }),
  );
  test(`${row.variable}=${JSON.stringify(row.value)}: ${Object.keys(row.throws).join(", ") || "nothing"} fails at import; the rest loads and no call throws`, async () => {
    const runs = RUNTIMES.flatMap((runtime) =>
      (["esm", "cjs"] as const).map(async (format) => ({
        label: `${runtime} ${format}`,
        ran: await runFixture(runtime, "load.mjs", [format], { [row.variable]: row.value }),
      })),
    );
    for (const { label, ran } of await Promise.all(runs)) {
      assert.is(ran.code, 0, `${label}: ${ran.stderr}`);
      for (const s of SUBPATHS) {
        const got = ran.result[s];
        const want = expected[s] as { loaded: boolean; error?: RegExp; calls?: unknown };
        assert.is(got.loaded, want.loaded, `${label} ${s}: ${JSON.stringify(got)}`);
        if (want.error) assert.match(got.error, want.error, `${label} ${s}`);
        else assert.equal(got.calls, want.calls, `${label} ${s}`);
      }
    }
  });
}

test.run();
