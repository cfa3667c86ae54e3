// One runtime's part of bench/deadline.mjs: a traced handler closes subsegments, then hangs past
// the margin; the time from the deadline timer's due time to the in-progress datagrams being
// handed to the kernel (the UDP emitter's flush resolving) is measured, `runs` times.
import { traceHandler, capture } from "../dist/lambda.js";
import { createUdpEmitter } from "../dist/udp.js";

const [port, runs, margin] = (globalThis.Deno ? Deno.args : process.argv.slice(2)).map(Number);
const udp = createUdpEmitter({ address: `127.0.0.1:${port}` });
let sentAt, flushedAt;
const emitter = {
  send(d) {
    sentAt ??= performance.now();
    udp.send(d);
  },
  flush() {
    return udp.flush().then(() => void (flushedAt ??= performance.now()));
  },
};
let release;
const handler = traceHandler(
  async () => {
    for (let i = 0; i < 10; i++) capture(`step-${i}`, (s) => s.addMetadata("i", { i, text: "x".repeat(200) }));
    await new Promise((r) => (release = r));
  },
  { emitter, logger: { warn() {} }, deadlineMarginMs: margin },
);

const hex = (n) => [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
const samples = [];
for (let i = 0; i < runs; i++) {
  process.env._X_AMZN_TRACE_ID = `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(12)};Parent=${hex(8)};Sampled=1`;
  sentAt = flushedAt = undefined;
  const deadline = performance.now() + margin + 30;
  const done = handler({}, { getRemainingTimeInMillis: () => deadline - performance.now() });
  while (flushedAt === undefined) await new Promise((r) => setTimeout(r, 1));
  release();
  await done;
  const due = deadline - margin;
  samples.push({ fired: sentAt - due, kernel: flushedAt - due });
}
console.log(JSON.stringify(samples));
