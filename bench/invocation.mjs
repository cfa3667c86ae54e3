// The warm per-invocation cost of traceHandler (issue 14) against the hand-written minimum and the
// floor, each variant in its own process (bench/invocation-child.mjs), in interleaved rounds, µs
// per invocation, wall and CPU (process.cpuUsage), medians. Beside it, what an enabled
// AsyncLocalStorage costs the runtime loop's node:http requests between invocations (a GET and a
// POST to a server in another process, as the Runtime API is), the measurement behind the
// context's storage staying enabled (docs/measurements.md). `node bench/invocation.mjs [--quick]`.
import { execFile, spawn } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./invocation-child.mjs", import.meta.url));
const VARIANTS = ["bare", "noop", "udp", "minimum-nosend", "minimum", "send"];
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

const runChild = (args) =>
  new Promise((ok, no) =>
    // Asynchronous, so that the sink keeps reading while the child runs.
    execFile(process.execPath, [child, ...args], (e, out) => (e ? no(e) : ok(JSON.parse(out.trim().split("\n").pop())))),
  );

/** Medians of `rounds` interleaved runs of each variant: { [variant]: { wall, cpu } }. */
async function rounds(variants, argsOf, count) {
  const got = Object.fromEntries(variants.map((v) => [v, { wall: [], cpu: [] }]));
  for (let r = 0; r < count; r++)
    for (const v of variants) {
      const o = await runChild(argsOf(v));
      got[v].wall.push(o.wall);
      got[v].cpu.push(o.cpu);
    }
  return Object.fromEntries(variants.map((v) => [v, { wall: median(got[v].wall), cpu: median(got[v].cpu) }]));
}

async function invocations(quick) {
  const sink = dgram.createSocket("udp4");
  sink.on("message", () => {});
  await new Promise((r) => sink.bind(0, "127.0.0.1", r));
  sink.setRecvBufferSize(8 << 20);
  const port = String(sink.address().port);
  const n = quick ? "1500" : "4000";
  try {
    return await rounds(VARIANTS, (v) => [v, port, n, quick ? "1000" : "2000"], quick ? 3 : 5);
  } finally {
    sink.close();
  }
}

async function hooks(quick) {
  const server = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => s.end('{"requestId":"r"}')); }).listen(0, "127.0.0.1", function () { console.log(this.address().port); })`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    const port = await new Promise((r) => server.stdout.once("data", (d) => r(String(d).trim())));
    return await rounds(["hooks", "hooks-on"], (v) => [v, port, quick ? "1000" : "3000", "1000"], quick ? 3 : 7);
  } finally {
    server.kill();
  }
}

export async function runInvocationCost({ quick = false } = {}) {
  const m = await invocations(quick);
  const h = await hooks(quick);
  const over = (v, k) => m[v][k] - m.bare[k];
  const r1 = (x) => Math.round(x * 10) / 10;
  const figures = {
    perInvocation: Object.fromEntries(VARIANTS.map((v) => [v, { wallµs: r1(m[v].wall), cpuµs: r1(m[v].cpu) }])),
    // Above the bare handler: what each adds to an invocation.
    added: {
      tracingLogicWallµs: r1(over("noop", "wall")),
      tracingLogicCpuµs: r1(over("noop", "cpu")),
      tracedUdpWallµs: r1(over("udp", "wall")),
      tracedUdpCpuµs: r1(over("udp", "cpu")),
      minimumNoSendWallµs: r1(over("minimum-nosend", "wall")),
      minimumWallµs: r1(over("minimum", "wall")),
      minimumCpuµs: r1(over("minimum", "cpu")),
      sendWallµs: r1(over("send", "wall")),
      sendCpuµs: r1(over("send", "cpu")),
    },
    ratios: {
      tracedUdpVsMinimumWall: r1(over("udp", "wall") / over("minimum", "wall")),
      tracingLogicVsMinimumNoSendWall: r1(over("noop", "wall") / over("minimum-nosend", "wall")),
    },
    // An enabled AsyncLocalStorage's promise hooks on the runtime loop's GET + POST (client side).
    contextHooks: {
      offWallµs: r1(h.hooks.wall),
      onWallµs: r1(h["hooks-on"].wall),
      offCpuµs: r1(h.hooks.cpu),
      onCpuµs: r1(h["hooks-on"].cpu),
    },
  };
  const a = figures.added;
  console.log(
    `warm invocation, 3 subsegments: bare ${m.bare.wall.toFixed(1)} µs; added: tracing logic ${a["tracingLogicWallµs"]} µs ` +
      `(CPU ${a["tracingLogicCpuµs"]}), over UDP ${a["tracedUdpWallµs"]} µs; hand-written minimum ${a["minimumWallµs"]} µs ` +
      `(${a["minimumNoSendWallµs"]} without its send); one send alone ${a["sendWallµs"]} µs`,
  );
  const c = figures.contextHooks;
  console.log(
    `runtime loop GET+POST with an AsyncLocalStorage enabled: ${c["offWallµs"]} -> ${c["onWallµs"]} µs wall, CPU ${c["offCpuµs"]} -> ${c["onCpuµs"]} µs`,
  );
  return figures;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runInvocationCost({ quick: process.argv.includes("--quick") });
