/**
 * The published types take a Powertools handler as it is written: the decorators type-check as
 * legacy decorators (`experimentalDecorators`, what Powertools' documentation asks for) and as
 * standard ones, and the middleware's factory as middy takes it. A decorator on a field is a type
 * error in both modes (the check can fail). Resolved as a user's code resolves it, by package name,
 * from the built declarations.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { ROOT } from "./harness.ts";

const DIR = `${ROOT}build/powertools-types/`;

const USER = `import { Tracer } from "xray-edge/powertools";
import { captureLambdaHandler } from "xray-edge/powertools/middleware";
const tracer = new Tracer({ serviceName: "orders" });
class Lambda {
  @tracer.captureMethod({ subSegmentName: "### load" })
  async load(n: number): Promise<number> {
    return n;
  }
  @tracer.captureLambdaHandler({ captureResponse: false })
  public async handler(_event: unknown, _context: unknown): Promise<{ n: number }> {
    const segment = tracer.getSegment();
    const sub = segment?.addNewSubsegment("manual");
    if (sub) {
      tracer.setSegment(sub);
      sub.addAnnotation("k", 1);
      sub.close();
    }
    tracer.putMetadata("m", { a: 1 }, "ns");
    return { n: await this.load(1) };
  }
}
const handlerClass = new Lambda();
export const handler = handlerClass.handler.bind(handlerClass);
export const middleware: { before?: unknown; after?: unknown; onError?: unknown } = captureLambdaHandler(tracer);
`;

const MISUSE = `import { Tracer } from "xray-edge/powertools";
const tracer = new Tracer();
export class Lambda {
  @tracer.captureMethod()
  field = 1;
}
`;

function check(name: string, source: string, legacy: boolean) {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(`${DIR}${name}.ts`, source);
  const config = `${DIR}${name}-${legacy ? "legacy" : "standard"}.json`;
  writeFileSync(
    config,
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        types: [],
        experimentalDecorators: legacy,
      },
      files: [`${name}.ts`],
    }),
  );
  return spawnSync(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, "--pretty", "false", "-p", config], {
    encoding: "utf8",
    timeout: 120_000,
  });
}

for (const legacy of [true, false]) {
  const mode = legacy ? "legacy (experimentalDecorators)" : "standard";
  test(`a Powertools handler type-checks against xray-edge/powertools with ${mode} decorators`, () => {
    const r = check("user", USER, legacy);
    assert.is(r.status, 0, r.stdout + r.stderr);
  });
  test(`a method decorator on a field is a type error with ${mode} decorators`, () => {
    const r = check("misuse", MISUSE, legacy);
    assert.is.not(r.status, 0);
    assert.match(r.stdout, /misuse\.ts\(4,/);
  });
}

test.run();
