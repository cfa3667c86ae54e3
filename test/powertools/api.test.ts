/**
 * xray-edge/powertools at its edges: the package's ESM and CommonJS entries export what
 * Powertools' do; malformed options throw at construction naming the option; a malformed
 * POWERTOOLS_* variable fails the import naming it; misuse of the decorators throws where the class
 * is defined; with tracing off, everything is a no-op and the handler runs as written.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { Tracer } from "../../adapters/powertools/index.ts";
import { captureLambdaHandler } from "../../adapters/powertools/middleware.ts";
import { ROOT } from "./harness.ts";

const node = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", timeout: 60_000, env: { ...process.env, NO_COLOR: "1", ...env } });

test("the package exports Tracer and captureLambdaHandler, by import and by require, as Powertools' paths do", () => {
  const check = `if (typeof t.Tracer !== "function" || typeof m.captureLambdaHandler !== "function") throw new Error("exports");
    const tracer = new t.Tracer({ serviceName: "x" }); const mw = m.captureLambdaHandler(tracer);
    if (typeof mw.before !== "function" || typeof mw.after !== "function" || typeof mw.onError !== "function") throw new Error("middy");
    console.log("ok");`;
  const esm = node([
    "--input-type=module",
    "-e",
    `import * as t from "xray-edge/powertools"; import * as m from "xray-edge/powertools/middleware"; ${check}`,
  ]);
  assert.is(esm.stdout.trim(), "ok", esm.stderr);
  const cjs = node(["-e", `const t = require("xray-edge/powertools"); const m = require("xray-edge/powertools/middleware"); ${check}`]);
  assert.is(cjs.stdout.trim(), "ok", cjs.stderr);
});

for (const variable of [
  "POWERTOOLS_TRACE_ENABLED",
  "POWERTOOLS_TRACER_CAPTURE_RESPONSE",
  "POWERTOOLS_TRACER_CAPTURE_ERROR",
  "POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS",
]) {
  test(`${variable}=flase fails the import (ESM and CommonJS), naming the variable and its values`, () => {
    for (const args of [
      ["--input-type=module", "-e", `import "xray-edge/powertools";`],
      ["-e", `require("xray-edge/powertools");`],
    ]) {
      const r = node(args, { [variable]: "flase", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" });
      assert.is.not(r.status, 0, r.stdout);
      assert.match(r.stderr, `${variable}="flase" is not valid: expected one of true, false`);
    }
  });
}

test("a value in another case is accepted (FALSE), as for every xray-edge variable", () => {
  const r = node(
    ["--input-type=module", "-e", `import { Tracer } from "xray-edge/powertools"; console.log(String(new Tracer().isTracingEnabled()));`],
    { POWERTOOLS_TRACE_ENABLED: "FALSE", AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" },
  );
  assert.is(r.stdout.trim(), "false", r.stderr);
});

test("POWERTOOLS_DEV: a truthy value turns tracing off, as Powertools documents; a falsy one changes nothing; another fails the import", () => {
  const script = `import { Tracer } from "xray-edge/powertools"; console.log(String(new Tracer().isTracingEnabled()));`;
  const inLambda = { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" };
  for (const [value, enabled] of [
    ["1", "false"],
    ["On", "false"],
    ["true", "false"],
    ["0", "true"],
    ["no", "true"],
  ] as const) {
    const r = node(["--input-type=module", "-e", script], { ...inLambda, POWERTOOLS_DEV: value });
    assert.is(r.stdout.trim(), enabled, `POWERTOOLS_DEV=${value}: ${r.stderr}`);
  }
  const bad = node(["--input-type=module", "-e", script], { ...inLambda, POWERTOOLS_DEV: "maybe" });
  assert.is.not(bad.status, 0);
  assert.match(bad.stderr, 'POWERTOOLS_DEV="maybe" is not valid: expected one of 1, y, yes, t, true, on, 0, n, no, f, false, off');
});

test("malformed options throw at construction, naming the option and its form", () => {
  assert.throws(() => new Tracer({ enabled: "no" as unknown as boolean }), /new Tracer: enabled must be a boolean, got string/);
  assert.throws(() => new Tracer({ serviceName: 3 as unknown as string }), /serviceName must be a string/);
  assert.throws(() => new Tracer({ captureHTTPsRequests: 1 as unknown as boolean }), /captureHTTPsRequests must be a boolean/);
  assert.throws(() => new Tracer({ servicename: "x" } as never), /unknown option "servicename"/);
  assert.throws(() => new Tracer(null as never), /options must be an object, got null/);
  assert.throws(() => new Tracer({ customConfigService: "x" as never }), /customConfigService must be an object/);
  const tracer = new Tracer();
  assert.throws(
    () => tracer.captureLambdaHandler({ captureResponse: "yes" as never }),
    /captureLambdaHandler: captureResponse must be a boolean/,
  );
  assert.throws(() => tracer.captureMethod({ subSegmentName: 1 as never }), /captureMethod: subSegmentName must be a string/);
  assert.throws(() => captureLambdaHandler({} as never), /expected a Tracer from xray-edge\/powertools/);
  assert.throws(() => captureLambdaHandler(null as never), /expected a Tracer from xray-edge\/powertools/);
});

test("the decorators refuse anything but a method, where the class is defined", () => {
  const tracer = new Tracer();
  const decorate = tracer.captureMethod() as (...a: unknown[]) => unknown;
  assert.throws(() => decorate(undefined, { kind: "field", name: "x" }), /captureMethod: decorates class methods, not a field/);
  assert.throws(() => decorate({}, "x", { value: 3 }), /decorates class methods \(a descriptor with a function value\)/);
});

test("outside Lambda (no AWS_EXECUTION_ENV) tracing is off: the methods keep their own form and nothing throws", async () => {
  const tracer = new Tracer({ serviceName: "svc" });
  assert.is(tracer.isTracingEnabled(), false);
  assert.is(tracer.isTraceSampled(), false);
  const decorate = tracer.captureMethod() as (m: unknown, c: unknown) => (...a: unknown[]) => unknown;
  const sync = decorate(
    function (this: { n: number }, x: number) {
      return this.n + x;
    },
    { kind: "method", name: "add" },
  );
  assert.is(sync.call({ n: 1 }, 2), 3, "a synchronous method stays synchronous when tracing is off");
  const handler = (tracer.captureLambdaHandler() as (m: unknown, c: unknown) => (...a: unknown[]) => Promise<unknown>)(
    async (event: unknown) => ({ echo: event }),
    { kind: "method", name: "handler" },
  );
  assert.equal(await handler(1), { echo: 1 });
  const segment = tracer.getSegment()!;
  assert.is(segment.name, "## Dummy segment");
  assert.is(segment.notTraced, true);
  segment.addNewSubsegment("x").close();
  tracer.putAnnotation("k", "v");
  tracer.putMetadata("k", { a: 1 });
  tracer.addErrorAsMetadata(new Error("e"));
  tracer.setSegment({} as never);
  const client = { middlewareStack: { add: () => assert.unreachable("not instrumented when off") }, config: {} };
  assert.is(tracer.captureAWSv3Client(client), client);
});

test("enabled: false and customConfigService's 'false' turn tracing off in Lambda too", () => {
  const script = `import { Tracer } from "xray-edge/powertools";
    const a = new Tracer({ enabled: false }).isTracingEnabled();
    const b = new Tracer({ customConfigService: { getTracingEnabled: () => "FALSE" } }).isTracingEnabled();
    const c = new Tracer({ customConfigService: { getTracingEnabled: () => { throw new Error("x"); } } }).isTracingEnabled();
    const d = new Tracer({ enabled: true }).isTracingEnabled();
    console.log(JSON.stringify([a, b, c, d]));`;
  const lambda = node(["--input-type=module", "-e", script], { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x" });
  assert.equal(JSON.parse(lambda.stdout), [false, false, true, true], lambda.stderr);
  const sam = node(["--input-type=module", "-e", script], { AWS_EXECUTION_ENV: "AWS_Lambda_nodejs20.x", AWS_SAM_LOCAL: "true" });
  assert.equal(JSON.parse(sam.stdout), [false, false, false, false], sam.stderr);
  const amplify = node(["--input-type=module", "-e", script], { AWS_EXECUTION_ENV: "AWS_Lambda_amplify-mock" });
  assert.equal(JSON.parse(amplify.stdout), [false, false, false, false], amplify.stderr);
});

test.run();
