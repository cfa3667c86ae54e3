/**
 * xray-edge/sdk-core as published (the built dist through the exports map, `npm run build`
 * first): `import AWSXRay from`, `import { … } from` and `require()` give the peer's shapes, and
 * a Lambda handler's subsegment sent through the built bundle reaches the daemon.
 */
import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { daemon } from "./helpers.ts";
import { ROOT } from "./compare.ts";

const NAMES = [
  "getSegment",
  "setSegment",
  "resolveSegment",
  "captureFunc",
  "captureAsyncFunc",
  "captureAWSv3Client",
  "captureHTTPsGlobal",
  "captureHTTPs",
  "setDaemonAddress",
  "setContextMissingStrategy",
  "setLogger",
  "enableAutomaticMode",
  "enableManualMode",
];
const CHECK = `const names = ${JSON.stringify(NAMES)};
  for (const n of names) if (typeof api[n] !== "function") throw new Error("missing " + n);
  if (typeof api.Segment !== "function" || typeof api.Subsegment !== "function") throw new Error("classes");
  if (typeof api.middleware.setSamplingRules !== "function" || typeof api.utils.processTraceData !== "function") throw new Error("namespaces");
  const seg = api.getSegment();
  const sub = seg.addNewSubsegment("from-" + form);
  sub.addAnnotation("form", form);
  sub.close(new Error("e"), true);
  console.log("ok");`;

function run(args: string[], env: Record<string, string>) {
  return spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? "",
      LAMBDA_TASK_ROOT: ROOT,
      _X_AMZN_TRACE_ID: "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      ...env,
    },
  });
}

test("import default, import named and require() of xray-edge/sdk-core work as the peer's, and send", async () => {
  const d = await daemon();
  try {
    const env = { AWS_XRAY_DAEMON_ADDRESS: d.address };
    const forms: [string, string[]][] = [
      ["default", ["--input-type=module", "-e", `import api from "xray-edge/sdk-core"; const form = "default"; ${CHECK}`]],
      [
        "named",
        [
          "--input-type=module",
          "-e",
          `import * as api from "xray-edge/sdk-core"; const form = "named"; if (api.default.getSegment !== api.getSegment) throw new Error("default"); ${CHECK}`,
        ],
      ],
      ["require", ["-e", `const api = require("xray-edge/sdk-core"); const form = "require"; ${CHECK}`]],
    ];
    for (const [form, args] of forms) {
      const r = run(args, env);
      assert.is(r.stdout.trim(), "ok", `${form}: ${r.stderr.slice(0, 1500)}`);
    }
    const docs = await d.received(3);
    assert.equal(docs.map((x) => x.name).sort(), ["from-default", "from-named", "from-require"]);
    for (const doc of docs) {
      assert.is(doc.parent_id, "53995c3f42cd8ad8");
      assert.equal([doc.fault, doc.cause.exceptions[0].remote], [true, true]);
    }
  } finally {
    d.close();
  }
});

test("a malformed setting fails the import, naming it (AWS_XRAY_CONTEXT_MISSING, AWS_XRAY_DAEMON_ADDRESS)", () => {
  for (const [name, value] of [
    ["AWS_XRAY_CONTEXT_MISSING", "SOMETIMES"],
    ["AWS_XRAY_DAEMON_ADDRESS", "nowhere"],
  ] as const) {
    const r = run(["-e", `require("xray-edge/sdk-core")`], { [name]: value });
    assert.is.not(r.status, 0, `${name}=${value} fails the require`);
    assert.match(r.stderr, name);
  }
});

test.run();
