// The hand-written minimum of a traced Lambda handler: the trace header by regex, random IDs, the
// segment and its 3 subsegments by JSON.stringify, one datagram to the daemon. What tracing by hand
// costs at the least: the floor of the cold-start and handler-bundle figures (startup-cold.mjs,
// size.mjs). Built-ins by process.getBuiltinModule, and IDs from /dev/urandom, as xray-edge takes
// them on Node (globalThis.crypto's first use initializes WebCrypto: several ms of a cold start).
const dgram = process.getBuiltinModule("node:dgram");
const { closeSync, openSync, readSync } = process.getBuiltinModule("node:fs");
const [host, port] = (process.env.AWS_XRAY_DAEMON_ADDRESS ?? "127.0.0.1:2000").split(":");
// The daemon's address is an IP literal: answered here, so that dgram never loads node:dns for its
// default lookup (about 1.2 ms of a cold start), as xray-edge's socket does (adapters/udp/node.ts).
const socket = dgram.createSocket({ type: "udp4", lookup: (ip, _family, cb) => queueMicrotask(() => cb(null, ip, 4)) });
socket.unref();
function id() {
  const b = new Uint8Array(8);
  const fd = openSync("/dev/urandom", "r");
  readSync(fd, b, 0, 8, null);
  closeSync(fd);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
const now = () => Date.now() / 1000;

/** Wraps `fn(name)` for each of `names` in a subsegment; sends the segment when all are done. */
export async function tracedByHand(names, fn) {
  const m = /Root=([^;]+);Parent=([0-9a-f]{16});Sampled=1/.exec(process.env._X_AMZN_TRACE_ID ?? "");
  if (!m) {
    for (const name of names) await fn(name);
    return;
  }
  const start = now();
  const subsegments = [];
  for (const name of names) {
    const s = { id: id(), name, start_time: now(), annotations: { step: name } };
    await fn(name);
    s.end_time = now();
    subsegments.push(s);
  }
  const doc = {
    name: process.env.AWS_LAMBDA_FUNCTION_NAME,
    id: id(),
    trace_id: m[1],
    parent_id: m[2],
    start_time: start,
    end_time: now(),
    subsegments,
  };
  await new Promise((resolve) => socket.send(`{"format":"json","version":1}\n${JSON.stringify(doc)}`, Number(port), host, resolve));
}
