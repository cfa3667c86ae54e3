// The servers bench/http.mjs measures, all in this one process (node, bun or deno) so that traced
// and untraced run on the same warmed runtime: for each kind (node:http listener, Express-style
// chain, and on Bun and Deno their own fetch-style server) a bare server, one traced with every
// request sampled (UDP to the parent's listener), and one traced with the default sampling (1 a
// second, then 5%: what a busy server mostly pays). Prints {"<kind> <variant>": port, ...}.
import http from "node:http";
import { Tracer } from "../dist/index.js";
import { closeSegment, openSegment, traceFetchHandler, traceRequestListener } from "../dist/http.js";
import { createUdpEmitter } from "../dist/udp.js";

const daemon = process.argv[2];
const all = new Tracer({
  serviceName: "bench",
  emitter: createUdpEmitter({ address: daemon }),
  sampler: { shouldSample: () => ({ sampled: true, rule: "all" }) },
});
const sampled = new Tracer({ serviceName: "bench", emitter: createUdpEmitter({ address: daemon }) });

const listener = (_req, res) => {
  res.setHeader("content-length", "2");
  res.end("ok");
};
// What an Express app does per request at least: walk a stack of (req, res, next) layers.
const chain = (stack) => (req, res) => {
  let i = 0;
  const next = (err) => {
    const layer = stack[i++];
    if (!layer) return listener(req, res);
    if (err !== undefined) return layer.length === 4 ? layer(err, req, res, next) : next(err);
    if (layer.length === 4) return next();
    layer(req, res, next);
  };
  next();
};
const fetchHandler = () => new Response("ok", { headers: { "content-length": "2" } });

const servers = {
  "node:http bare": listener,
  "node:http traced (all sampled)": traceRequestListener(listener, { tracer: all }),
  "node:http traced (default sampling)": traceRequestListener(listener, { tracer: sampled }),
  "express bare": chain([]),
  "express traced (all sampled)": chain([openSegment("bench", { tracer: all }), closeSegment()]),
  "express traced (default sampling)": chain([openSegment("bench", { tracer: sampled }), closeSegment()]),
};

const ports = {};
for (const [name, fn] of Object.entries(servers)) {
  const server = http.createServer(fn);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  ports[name] = server.address().port;
}

const fetchServers = {
  "fetch bare": fetchHandler,
  "fetch traced (all sampled)": traceFetchHandler(fetchHandler, { tracer: all }),
  "fetch traced (default sampling)": traceFetchHandler(fetchHandler, { tracer: sampled }),
};
for (const [name, fetch] of Object.entries(fetchServers)) {
  if (globalThis.Bun) ports[name] = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch }).port;
  else if (globalThis.Deno) {
    ports[name] = await new Promise((resolve) => {
      Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => resolve(port) }, fetch);
    });
  }
}
console.log(JSON.stringify(ports));
