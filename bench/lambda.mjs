// The Lambda adapter's cost (lambda-child.mjs): per-invocation overhead of traceHandler around a
// handler with 3 subsegments against aws-xray-sdk-core used as Powertools Tracer uses it, in one
// process, interleaved; and cold start, process start to the first traced invocation done, in
// fresh processes, each against the same handler untraced. Documents go to a UDP sink here.
// Beside them: ADOT's lite mode, fetched into the user's cache on first use (bench/adot/) and run
// with its layer's environment (n/a with the reason when it cannot be had), and the hand-written
// minimum, no SDK at all. Datagrams are counted per process, so that a peer sending nothing shows.
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath, pathToFileURL } from "node:url";

const child = fileURLToPath(new URL("./lambda-child.mjs", import.meta.url));
const prepare = fileURLToPath(new URL("./adot/prepare.ts", import.meta.url));
const register = pathToFileURL(fileURLToPath(new URL("../scripts/register.mjs", import.meta.url))).href;
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const fixed = (v, digits = 1) => (v === null ? "n/a" : v.toFixed(digits));
const plus = (v, unit) => (v === null ? "n/a" : `+${v.toFixed(1)} ${unit}`);

export async function runLambda({ quick = false } = {}) {
  const sink = dgram.createSocket("udp4");
  let received = 0;
  sink.on("message", () => received++);
  await new Promise((r) => sink.bind(0, "127.0.0.1", r));
  // A deep buffer (the kernel caps it at net.core.rmem_max), so that a busy machine delaying this
  // process drops no datagrams: the counts below tell whether each peer really sent.
  sink.setRecvBufferSize(8 << 20);
  const port = String(sink.address().port);
  const run = (argv, env) =>
    new Promise((resolve, reject) => {
      // Asynchronous, so the sink keeps reading while the child runs.
      execFile(process.execPath, argv, { timeout: 700_000, maxBuffer: 1 << 20, env }, (error, stdout, stderr) =>
        error ? reject(new Error(`${argv.slice(1).join(" ")}: ${stderr || error}`)) : resolve(stdout.trim()),
      );
    });
  const spawn = (args, env) => run([child, ...args], env);
  /** Datagrams the sink read while `task` ran; read once more after, for the last ones in flight. */
  const counted = async (task) => {
    const before = received;
    const result = await task();
    await new Promise((r) => setTimeout(r, 50));
    return [result, received - before];
  };
  try {
    // ADOT first: a first run installs it (about a minute), before anything is timed.
    const adot = await run(["--import", register, prepare, `127.0.0.1:${port}`])
      .then(JSON.parse)
      .catch((error) => ({ version: null, error: error.message }));
    const adotName = `ADOT${adot.version ? ` ${adot.version}` : ""} lite mode`;
    const adotEnv = adot.error ? undefined : { ...process.env, ...adot.env };
    /** ADOT failing (not had, or its process failing) makes it n/a with the reason, never the suite fail. */
    const adotFailed = (error) => {
      adot.error ??= String(error.message ?? error).split("\n")[0];
      console.log(`lambda: ADOT's lite mode is n/a: ${adot.error}`);
    };
    if (adot.error) adotFailed(adot.error);
    const n = quick ? 500 : 2000,
      rounds = quick ? 3 : 7;
    const times = JSON.parse(await spawn(["overhead", port, String(n), String(rounds)]));
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
    const PEERS = ["adot", "minimum"];
    const envOf = (mode) => (mode === "adot" ? adotEnv : process.env);
    const runnable = (mode) => mode !== "adot" || adot.error === undefined;
    const guarded = (mode, task) => (mode === "adot" ? task().catch((error) => (adotFailed(error), undefined)) : task());
    const apart = { adot: null };
    // Per traced invocation: xray-edge and the minimum send one document, aws-xray-sdk-core and
    // Powertools one per subsegment (4), ADOT one OTLP batch of its 4 spans.
    const datagrams = {};
    for (const mode of [...PATHS, ...PEERS].filter(runnable)) {
      const [raw, got] = await counted(() =>
        guarded(mode, () => spawn(["overhead", port, String(n), String(rounds), `baseline,${mode}`], envOf(mode))),
      );
      if (raw === undefined) continue;
      const t = JSON.parse(raw);
      apart[mode] = median(t[mode]) - median(t.baseline);
      datagrams[mode] = { received: got, invocations: n * (rounds + 1) };
    }
    const perInvocation = (mode) => (datagrams[mode] ? datagrams[mode].received / datagrams[mode].invocations : null);
    console.log(
      `lambda invocation, apart           xray-edge +${apart.ours.toFixed(1)} µs   aws-xray-sdk-core +${apart.aws.toFixed(1)} µs (${(apart.aws / apart.ours).toFixed(1)}x), each in its own process`,
    );
    console.log(
      `  drop-ins, import changed only    aws-xray-sdk-core +${apart.aws.toFixed(1)} µs -> xray-edge/sdk-core +${apart["sdk-core"].toFixed(1)} µs (${(apart.aws / apart["sdk-core"]).toFixed(1)}x)   Powertools Tracer +${apart.powertools.toFixed(1)} µs -> xray-edge/powertools +${apart["edge-powertools"].toFixed(1)} µs (${(apart.powertools / apart["edge-powertools"]).toFixed(1)}x)`,
    );
    console.log(
      `  peers, each in its own process   ${adotName} ${plus(apart.adot, "µs")}${apart.adot === null ? "" : ` (${(apart.adot / apart.ours).toFixed(1)}x xray-edge, ${fixed(perInvocation("adot"), 2)} datagrams/invocation)`}   hand-written minimum +${apart.minimum.toFixed(1)} µs (xray-edge ${(apart.ours / apart.minimum).toFixed(2)}x it, ${fixed(perInvocation("minimum"), 2)} datagrams/invocation)`,
    );
    const runs = quick ? 5 : 11;
    const cold = Object.fromEntries(["baseline", ...PATHS, ...PEERS].filter(runnable).map((m) => [m, []]));
    const coldDatagrams = Object.fromEntries(Object.keys(cold).map((m) => [m, { received: 0, invocations: 0 }]));
    for (let i = 0; i < runs; i++) {
      for (const mode of Object.keys(cold).filter(runnable)) {
        const [ms, got] = await counted(() => guarded(mode, () => spawn(["cold", mode, port], envOf(mode))));
        if (ms === undefined) continue;
        cold[mode].push(Number(ms));
        coldDatagrams[mode].received += got;
        coldDatagrams[mode].invocations++;
      }
    }
    if (!runnable("adot")) {
      delete cold.adot;
      delete coldDatagrams.adot;
    }
    const c = { adot: null, ...Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, median(v)])) };
    const added = Object.fromEntries([...PATHS, ...PEERS].map((m) => [m, c[m] === null ? null : c[m] - c.baseline]));
    const oursAdded = added.ours,
      awsAdded = added.aws;
    console.log(
      `lambda cold start, ${runs} processes     untraced ${c.baseline.toFixed(1)} ms   xray-edge ${c.ours.toFixed(1)} ms (+${oursAdded.toFixed(1)})   aws-xray-sdk-core ${c.aws.toFixed(1)} ms (+${awsAdded.toFixed(1)}, ${(awsAdded / oursAdded).toFixed(1)}x the added time; ${(c.aws / c.ours).toFixed(1)}x in total)`,
    );
    console.log(
      `  drop-ins, added to a fresh process   aws-xray-sdk-core +${awsAdded.toFixed(1)} ms -> xray-edge/sdk-core +${added["sdk-core"].toFixed(1)} ms   Powertools Tracer +${added.powertools.toFixed(1)} ms -> xray-edge/powertools +${added["edge-powertools"].toFixed(1)} ms`,
    );
    console.log(
      `  peers, added to a fresh process      ${adotName} ${plus(added.adot, "ms")}${added.adot === null ? "" : ` (${(added.adot / oursAdded).toFixed(0)}x xray-edge's)`}   hand-written minimum +${added.minimum.toFixed(1)} ms (xray-edge ${(oursAdded / added.minimum).toFixed(1)}x it)`,
    );
    const perCold = (mode) => (coldDatagrams[mode]?.invocations ? coldDatagrams[mode].received / coldDatagrams[mode].invocations : null);
    console.log(
      `  datagrams per traced invocation, apart / cold: ${[...PATHS, ...PEERS].map((mode) => `${mode} ${fixed(perInvocation(mode), 2)} / ${fixed(perCold(mode), 2)}`).join("   ")}`,
    );
    return {
      overhead: { ours, aws, baseline: m.baseline, apart, datagrams },
      cold: { ...c, oursAdded, awsAdded, added, datagrams: coldDatagrams },
      adot: { package: "@aws/aws-distro-opentelemetry-node-autoinstrumentation", version: adot.version, error: adot.error ?? null },
    };
  } finally {
    sink.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runLambda({ quick: process.argv.includes("--quick") });
