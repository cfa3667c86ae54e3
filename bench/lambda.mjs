// The Lambda adapter's cost (lambda-child.mjs): per-invocation overhead of traceHandler around a
// handler with 3 subsegments against aws-xray-sdk-core used as Powertools Tracer uses it, in one
// process, interleaved; and cold start, process start to the first traced invocation done, in
// fresh processes, each against the same handler untraced. Documents go to a UDP sink here.
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./lambda-child.mjs", import.meta.url));
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

export async function runLambda({ quick = false } = {}) {
  const sink = dgram.createSocket("udp4");
  let received = 0;
  sink.on("message", () => received++);
  await new Promise((r) => sink.bind(0, "127.0.0.1", r));
  const port = String(sink.address().port);
  const spawn = (args) =>
    new Promise((resolve, reject) => {
      // Asynchronous, so the sink keeps reading while the child runs.
      execFile(process.execPath, [child, ...args], { timeout: 300_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) =>
        error ? reject(new Error(`${args.join(" ")}: ${stderr || error}`)) : resolve(stdout.trim()),
      );
    });
  try {
    const times = JSON.parse(await spawn(["overhead", port, quick ? "500" : "2000", quick ? "3" : "7"]));
    const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    const ours = m.ours - m.baseline,
      aws = m.aws - m.baseline;
    console.log(
      `lambda invocation, 3 subsegments   untraced ${m.baseline.toFixed(1)} µs   xray-edge +${ours.toFixed(1)} µs   aws-xray-sdk-core (Powertools style) +${aws.toFixed(1)} µs (${(aws / ours).toFixed(1)}x)   in one process, ${received} datagrams received`,
    );
    // Apart, each SDK in a process of its own: in one process aws-xray-sdk-core's Lambda mode
    // leaves async hooks on for every promise, which taxes the other SDK's awaits too. The
    // drop-in paths run the peer's handler code with only the import changed (lambda-child.mjs).
    const PATHS = ["ours", "aws", "sdk-core", "powertools", "edge-powertools"];
    const apart = {};
    for (const mode of PATHS) {
      const t = JSON.parse(await spawn(["overhead", port, quick ? "500" : "2000", quick ? "3" : "7", `baseline,${mode}`]));
      apart[mode] = median(t[mode]) - median(t.baseline);
    }
    console.log(
      `lambda invocation, apart           xray-edge +${apart.ours.toFixed(1)} µs   aws-xray-sdk-core +${apart.aws.toFixed(1)} µs (${(apart.aws / apart.ours).toFixed(1)}x), each in its own process`,
    );
    console.log(
      `  drop-ins, import changed only    aws-xray-sdk-core +${apart.aws.toFixed(1)} µs -> xray-edge/sdk-core +${apart["sdk-core"].toFixed(1)} µs (${(apart.aws / apart["sdk-core"]).toFixed(1)}x)   Powertools Tracer +${apart.powertools.toFixed(1)} µs -> xray-edge/powertools +${apart["edge-powertools"].toFixed(1)} µs (${(apart.powertools / apart["edge-powertools"]).toFixed(1)}x)`,
    );
    const runs = quick ? 5 : 11;
    const cold = Object.fromEntries(["baseline", ...PATHS].map((m) => [m, []]));
    for (let i = 0; i < runs; i++) for (const mode of Object.keys(cold)) cold[mode].push(Number(await spawn(["cold", mode, port])));
    const c = Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, median(v)]));
    const added = Object.fromEntries(PATHS.map((m) => [m, c[m] - c.baseline]));
    const oursAdded = added.ours,
      awsAdded = added.aws;
    console.log(
      `lambda cold start, ${runs} processes     untraced ${c.baseline.toFixed(1)} ms   xray-edge ${c.ours.toFixed(1)} ms (+${oursAdded.toFixed(1)})   aws-xray-sdk-core ${c.aws.toFixed(1)} ms (+${awsAdded.toFixed(1)}, ${(awsAdded / oursAdded).toFixed(1)}x the added time; ${(c.aws / c.ours).toFixed(1)}x in total)`,
    );
    console.log(
      `  drop-ins, added to a fresh process   aws-xray-sdk-core +${awsAdded.toFixed(1)} ms -> xray-edge/sdk-core +${added["sdk-core"].toFixed(1)} ms   Powertools Tracer +${added.powertools.toFixed(1)} ms -> xray-edge/powertools +${added["edge-powertools"].toFixed(1)} ms`,
    );
    return { overhead: { ours, aws, baseline: m.baseline, apart }, cold: { ...c, oursAdded, awsAdded, added } };
  } finally {
    sink.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runLambda({ quick: process.argv.includes("--quick") });
