// One variant of bench/invocation.mjs per process: a Lambda invocation with 3 subsegments, warm,
// each with a new _X_AMZN_TRACE_ID and a setImmediate after it, as Lambda's runtime loop has.
// Prints {"wall","cpu"} in µs per invocation. Variants:
//   bare: the handler untraced;  noop: traceHandler with an emitter that drops the datagram
//   (the tracing logic alone);  udp: traceHandler with its UDP emitter (what a user runs);
//   minimum-nosend / minimum: the hand-written minimum (lambda-child.mjs's), without or with its
//   one send;  send: that send alone, of a datagram of the size traceHandler sends (the floor).
//   hooks <port>: see bench/invocation.mjs (the context's promise hooks on node:http requests).
import dgram from "node:dgram";
import http from "node:http";
import { minimumLambdaHandler } from "./minimum-lambda.mjs";

const [variant, port, n = "4000", warm = "2000"] = process.argv.slice(2);
process.env.AWS_XRAY_DAEMON_ADDRESS = `127.0.0.1:${port}`;
process.env.AWS_LAMBDA_FUNCTION_NAME = "bench";

const measure = async (run) => {
  await run(Number(warm));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await run(Number(n));
  const cu = process.cpuUsage(c0);
  console.log(JSON.stringify({ wall: ((performance.now() - t0) * 1000) / Number(n), cpu: (cu.user + cu.system) / Number(n) }));
};

if (variant === "hooks" || variant === "hooks-on") {
  // A GET and a POST to another process's server (as the runtime loop's /next and /response),
  // with an AsyncLocalStorage enabled (hooks-on) or none.
  if (variant === "hooks-on") {
    const { AsyncLocalStorage } = await import("node:async_hooks");
    new AsyncLocalStorage().run({}, () => {}); // enabled, and left so
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const request = (method, body) =>
    new Promise((ok, no) => {
      const r = http.request({ port: Number(port), host: "127.0.0.1", method, path: "/", agent }, (res) => {
        let d = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (d += c));
        res.on("end", () => ok(d));
      });
      r.on("error", no);
      r.end(body);
    });
  await measure(async (k) => {
    for (let i = 0; i < k; i++) {
      JSON.parse(await request("GET"));
      await request("POST", '{"ok":true}');
    }
  });
  agent.destroy();
  process.exit(0);
}

const hex = (k, i) => ((i * 2654435761) >>> 0).toString(16).padStart(8, "0").repeat(3).slice(0, k);
const epoch = Math.floor(Date.now() / 1000).toString(16);
const headers = Array.from({ length: 4096 }, (_, i) => `Root=1-${epoch}-${hex(24, i + 1)};Parent=${hex(16, i + 7)};Sampled=1`);
let next = 0;
const NAMES = ["load", "compute", "store"];
const context = { awsRequestId: "r", functionName: "bench", getRemainingTimeInMillis: () => 30_000 };

async function connected() {
  const socket = dgram.createSocket("udp4");
  await new Promise((r) => socket.connect(Number(port), "127.0.0.1", r));
  socket.unref();
  return socket;
}

/** The hand-written minimum (minimum-lambda.mjs); `send` false builds the datagram and drops it. */
async function minimum(send) {
  const socket = await connected();
  return minimumLambdaHandler({ handlerName: "bench", names: NAMES, send: send ? (d) => socket.send(d) : undefined });
}

async function traced(emitter) {
  const { traceHandler, captureAsync } = await import("../dist/lambda.js");
  return traceHandler(
    async () => {
      for (const name of NAMES) await captureAsync(name, async (sub) => sub.addAnnotation("step", name));
      return { ok: true };
    },
    emitter ? { emitter } : {},
  );
}

async function sendOnly() {
  const socket = await connected();
  let size = 0;
  const probe = await traced({ send: (d) => void (size = d.length), flush: async () => {} });
  process.env._X_AMZN_TRACE_ID = headers[0];
  await probe({}, context);
  const datagram = "x".repeat(size);
  return async () => {
    socket.send(datagram);
    return { ok: true };
  };
}

const make = {
  bare: async () => async () => {
    for (const name of NAMES) await (async () => name)();
    return { ok: true };
  },
  noop: () => traced({ send() {}, flush: async () => {} }),
  udp: () => traced(undefined),
  "minimum-nosend": () => minimum(false),
  minimum: () => minimum(true),
  send: sendOnly,
};
const handler = await make[variant]();
await measure(async (k) => {
  for (let i = 0; i < k; i++) {
    process.env._X_AMZN_TRACE_ID = headers[next++ % headers.length];
    await handler({}, context);
    await new Promise((r) => setImmediate(r));
  }
});
process.exit(0);
