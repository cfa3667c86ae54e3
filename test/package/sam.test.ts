/**
 * Issue 16, point 5: examples/sam/template.yaml is a SAM application whose Bun and Deno functions
 * carry what tracing on xray-edge's layers needs: the layer (a parameter, so the ARN of the
 * user's own published layer), `Runtime: provided.al2023`, `Tracing: Active` and the
 * AWSXRayDaemonWriteAccess policy; and each function's code folder exists with its handler.
 * Read with a reader for the YAML subset the template uses (yaml-subset.ts), itself tested first.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { YamlSubsetError, parseYamlSubset } from "./yaml-subset.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const EXAMPLE = path.join(ROOT, "examples/sam");

test("the YAML reader: mappings, sequences, quotes, comments and CloudFormation's short tags", () => {
  const source = [
    "# a comment",
    'Version: "2010-09-09"',
    "Name: plain text # trailing comment",
    "Quoted: 'it''s'",
    "Count: 256",
    "On: true",
    "Nested:",
    "  Inner:",
    "    - one",
    "    - !Ref Param",
    "    - Key: value",
    "      Other: !GetAtt Fn.Arn",
    "  List:",
    '  - !Sub "/aws/lambda/${Fn}"',
    "Empty:",
  ].join("\n");
  assert.equal(parseYamlSubset(source), {
    Version: "2010-09-09",
    Name: "plain text",
    Quoted: "it's",
    Count: 256,
    On: true,
    Nested: {
      Inner: ["one", { Ref: "Param" }, { Key: "value", Other: { "Fn::GetAtt": ["Fn", "Arn"] } }],
      List: [{ "Fn::Sub": "/aws/lambda/${Fn}" }],
    },
    Empty: null,
  });
});

test("the YAML reader refuses what it does not read, naming the line", () => {
  const cases: Array<[string, RegExp]> = [
    ["a: [1, 2]", /line 1: .*flow/],
    ["a: &anchor x", /line 1: .*anchor/],
    ["a:\n\t- x", /line 2: a tab/],
    ["a: 1\na: 2", /line 2: "a" given twice/],
    ["a: !If [x]", /line 1: !If takes a scalar|line 1: .*not read/],
    ["a: !Join x", /line 1: the tag !Join is not read here/],
    ['a: "open', /line 1: an unclosed quote/],
    ["a:\n    b: 1\n  c: 2", /line 3: indentation/],
  ];
  for (const [source, message] of cases) {
    try {
      parseYamlSubset(source);
      assert.unreachable(`${JSON.stringify(source)} was read`);
    } catch (e) {
      assert.instance(e, YamlSubsetError, `${JSON.stringify(source)}: ${String(e)}`);
      assert.match((e as Error).message, message);
    }
  }
});

type Template = {
  Transform?: unknown;
  Parameters?: Record<string, { Type?: unknown; Description?: unknown }>;
  Resources?: Record<string, { Type?: unknown; Properties?: Record<string, unknown> }>;
};
const template = parseYamlSubset(readFileSync(path.join(EXAMPLE, "template.yaml"), "utf8")) as Template;

test("the template is a SAM application with a Bun and a Deno function", () => {
  assert.is(template.Transform, "AWS::Serverless-2016-10-31");
  const functions = Object.entries(template.Resources ?? {}).filter(([, r]) => r.Type === "AWS::Serverless::Function");
  assert.equal(functions.map(([name]) => name).sort(), ["BunFunction", "DenoFunction"]);
});

for (const [name, runtime] of [
  ["BunFunction", "bun"],
  ["DenoFunction", "deno"],
] as const) {
  test(`${name}: the ${runtime} layer, provided.al2023, Tracing: Active, AWSXRayDaemonWriteAccess, its code`, () => {
    const props = template.Resources?.[name]?.Properties ?? {};
    assert.is(props.Runtime, "provided.al2023");
    assert.is(props.Tracing, "Active");
    assert.ok(Array.isArray(props.Policies) && props.Policies.includes("AWSXRayDaemonWriteAccess"), JSON.stringify(props.Policies));
    // The layer is the user's own published one: a parameter naming the zip it comes from.
    const layers = props.Layers as Array<{ Ref?: string }> | undefined;
    assert.ok(Array.isArray(layers) && layers.length === 1, JSON.stringify(layers));
    const parameter = template.Parameters?.[layers[0]!.Ref ?? ""];
    assert.ok(parameter, `Layers refers to a parameter: ${JSON.stringify(layers)}`);
    assert.is(parameter.Type, "String");
    assert.match(String(parameter.Description), new RegExp(`xray-edge-${runtime}-x64\\.zip`));
    assert.equal(props.Architectures, ["x86_64"], "the architecture the x64 layer is built for");
    // The code: CodeUri's folder holds the handler file and depends on xray-edge.
    const folder = path.join(EXAMPLE, String(props.CodeUri));
    const [file, exported] = String(props.Handler).split(".");
    assert.ok(existsSync(path.join(folder, `${file}.ts`)), `${folder}/${file}.ts`);
    assert.match(readFileSync(path.join(folder, `${file}.ts`), "utf8"), new RegExp(`export const ${exported} =`));
    const manifest = JSON.parse(readFileSync(path.join(folder, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    assert.ok(manifest.dependencies?.["xray-edge"], "depends on xray-edge");
  });
}

test.run();
