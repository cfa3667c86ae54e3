// End to end over UDP on loopback, per runtime: xray-edge against aws-xray-sdk-core and against the
// bare-send floor (udp-child.mjs), each in its own process, sending to a listener here. Beside
// them `build`, ours without the send (the segments built and encoded, dropped at the emitter):
// build + floor is what ours costs at best through node:dgram, the floor of ours/floor.
import { spawnSync } from "node:child_process";
import dgram from "node:dgram";
import { fileURLToPath } from "node:url";

const child = fileURLToPath(new URL("./udp-child.mjs", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
const RUNTIMES = {
  node: [process.execPath],
  bun: [`${root}node_modules/.bin/bun`, "run"],
  deno: [`${root}node_modules/.bin/deno`, "run", "-A", "--unstable-net"],
};

async function listen() {
  const socket = dgram.createSocket("udp4");
  let received = 0;
  socket.on("message", () => received++);
  await new Promise((r) => socket.bind(0, "127.0.0.1", r));
  socket.setRecvBufferSize(32 * 1024 * 1024);
  return { port: socket.address().port, received: () => received, close: () => socket.close() };
}

function measure(runtime, mode, port, n) {
  const r = spawnSync(RUNTIMES[runtime][0], [...RUNTIMES[runtime].slice(1), child, mode, String(port), String(n)], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const value = Number(r.stdout.trim().split("\n").pop());
  return r.status === 0 && Number.isFinite(value) ? value : undefined;
}

/**
 * Per runtime, µs per segment (medians): `ours`, `aws`, `floor` (bare sends of our bytes) and
 * `build` (ours without the send), the same with their unit in the key (`oursµs` ...), and the
 * ratios `ours/floor` and `ours/(build+floor)`; a measurement that failed is undefined.
 * `runtimes` narrows the run (`node bench/udp.mjs --only=node`).
 */
export async function runUdp({ quick = false, runtimes = Object.keys(RUNTIMES) } = {}) {
  const n = quick ? 5_000 : 20_000;
  const listener = await listen();
  const results = {};
  try {
    for (const runtime of runtimes) {
      const rounds = { ours: [], aws: [], floor: [], build: [] };
      for (let r = 0; r < (quick ? 1 : 3); r++)
        for (const mode of Object.keys(rounds)) rounds[mode].push(measure(runtime, mode, listener.port, n));
      const median = (a) => {
        const v = a.filter((x) => x !== undefined).sort((x, y) => x - y);
        return v.length ? v[Math.floor(v.length / 2)] : undefined;
      };
      const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
      const ratio = (a, b) => (a !== undefined && b ? a / b : undefined);
      results[runtime] = {
        ...m, // ours, aws, floor, build: what bench/run.mjs reads
        oursµs: m.ours,
        awsµs: m.aws,
        floorµs: m.floor,
        buildµs: m.build,
        "ours/floor": ratio(m.ours, m.floor),
        "ours/(build+floor)": ratio(m.ours, m.build !== undefined && m.floor !== undefined ? m.build + m.floor : undefined),
      };
      const f = (x) => (x === undefined ? "n/a" : `${x.toFixed(2)} µs`);
      console.log(
        `udp end to end, ${runtime.padEnd(4)}             xray-edge ${f(m.ours)}   aws-xray-sdk-core ${f(m.aws)}${m.aws && m.ours ? ` (${(m.aws / m.ours).toFixed(1)}x)` : ""}   bare send floor ${f(m.floor)}${m.floor && m.ours ? ` (ours ${(m.ours / m.floor).toFixed(2)}x the floor)` : ""}`,
      );
      if (m.build !== undefined && m.floor !== undefined && m.ours !== undefined)
        console.log(
          `  where the floor is, ${runtime.padEnd(4)}       build and encode only ${f(m.build)} + bare send ${f(m.floor)} = ${f(m.build + m.floor)}: ours ${(m.ours / (m.build + m.floor)).toFixed(2)}x that, at best ${((m.build + m.floor) / m.floor).toFixed(2)}x the floor`,
        );
    }
  } finally {
    listener.close();
  }
  return results;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
  await runUdp({ quick: process.argv.includes("--quick"), ...(only ? { runtimes: only.split(",") } : {}) });
}
