// Per-request overhead of xray-edge/http's wrappers against the same server untraced, in the same
// process and the same run: `npm run build && node bench/http.mjs [--quick] [node bun deno]`, or
// runHttp() in `npm run bench`. Each runtime runs bench/http-child.mjs (every server in one process);
// this process is the client: one keep-alive connection per server, one request at a time, raw
// HTTP/1.1 over node:net (a lighter client than node:http, so more of each round trip is the
// server's). Rounds alternate between the variants (bare, traced with every request sampled and
// sent over UDP, traced with the default sampling); each value is the median over rounds of the
// mean round trip, and the overhead is traced minus bare, also as a ratio.
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import net from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const child = fileURLToPath(new URL("./http-child.mjs", import.meta.url));
const RUNTIMES = {
  node: [process.execPath],
  bun: [`${root}node_modules/.bin/bun`, "run"],
  deno: [`${root}node_modules/.bin/deno`, "run", "-A"],
};

/** A keep-alive connection that sends one GET and resolves when its whole response (by Content-Length) is in. */
async function connect(port) {
  const socket = net.connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise((r, j) => socket.once("connect", r).once("error", j));
  let buffered = "";
  let done;
  socket.setEncoding("latin1");
  socket.on("data", (chunk) => {
    buffered += chunk;
    const end = buffered.indexOf("\r\n\r\n");
    if (end < 0) return;
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buffered.slice(0, end + 2))?.[1] ?? 0);
    if (buffered.length < end + 4 + length) return;
    buffered = buffered.slice(end + 4 + length);
    done();
  });
  const request = `GET /items/42?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: bench\r\n\r\n`;
  return {
    get: () =>
      new Promise((resolve) => {
        done = resolve;
        socket.write(request);
      }),
    close: () => socket.destroy(),
  };
}

async function meanRoundTrip(connection, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await connection.get();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

/** kind ("node:http", "express", ...) → { bare, traced, sampled } in µs a request, medians. */
async function bench(runtime, daemonPort, { ROUNDS, PER_ROUND }) {
  const proc = spawn(RUNTIMES[runtime][0], [...RUNTIMES[runtime].slice(1), child, `127.0.0.1:${daemonPort}`], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  proc.stdout.on("data", (c) => (out += c));
  const ports = await new Promise((resolve, reject) => {
    proc.on("exit", (code) => reject(new Error(`${runtime} exited ${code}`)));
    const poll = setInterval(() => {
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) {
        clearInterval(poll);
        resolve(JSON.parse(line));
      }
    }, 10);
  });
  try {
    const connections = {};
    for (const [name, port] of Object.entries(ports)) connections[name] = await connect(port);
    const times = Object.fromEntries(Object.keys(ports).map((k) => [k, []]));
    for (const c of Object.values(connections)) await meanRoundTrip(c, PER_ROUND / 4); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      // Interleaved, and the order rotated each round so no variant always runs first.
      const names = Object.keys(ports);
      const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
      for (const name of order) times[name].push(await meanRoundTrip(connections[name], PER_ROUND));
    }
    for (const c of Object.values(connections)) c.close();
    const kinds = [...new Set(Object.keys(ports).map((k) => k.split(" ")[0]))];
    const result = {};
    for (const kind of kinds) {
      const bare = median(times[`${kind} bare`]);
      console.log(`${runtime.padEnd(4)} ${kind.padEnd(9)} bare                 ${bare.toFixed(1).padStart(6)} µs a request`);
      for (const variant of ["traced (all sampled)", "traced (default sampling)"]) {
        const t = median(times[`${kind} ${variant}`]);
        console.log(
          `${runtime.padEnd(4)} ${kind.padEnd(9)} ${variant.padEnd(26)} ${t.toFixed(1).padStart(6)} µs  +${(t - bare).toFixed(1)} µs  ${(t / bare).toFixed(3)}x`,
        );
      }
      result[kind] = {
        bare,
        sampled: median(times[`${kind} traced (all sampled)`]),
        traced: median(times[`${kind} traced (default sampling)`]),
      };
    }
    return result;
  } finally {
    proc.kill("SIGKILL");
  }
}

/** runtime → kind → { bare, sampled, traced } µs a request; `received`: documents at the listener. */
export async function runHttp({ quick = false, runtimes = Object.keys(RUNTIMES) } = {}) {
  const sizes = { ROUNDS: quick ? 3 : 9, PER_ROUND: quick ? 500 : 2000 };
  const socket = dgram.createSocket("udp4");
  let received = 0;
  socket.on("message", () => received++);
  await new Promise((r) => socket.bind(0, "127.0.0.1", r));
  console.log(
    `xray-edge/http: per-request round trip, ${sizes.ROUNDS} interleaved rounds of ${sizes.PER_ROUND} sequential keep-alive requests, medians`,
  );
  const results = {};
  try {
    for (const runtime of runtimes) results[runtime] = await bench(runtime, socket.address().port, sizes);
  } finally {
    socket.close();
  }
  console.log(`(${received} documents reached the UDP listener)`);
  if (received === 0) throw new Error("no document reached the listener: the traced servers sent nothing");
  return { ...results, received };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const chosen = args.filter((a) => a in RUNTIMES);
  await runHttp({ quick: args.includes("--quick"), runtimes: chosen.length ? chosen : undefined });
}
