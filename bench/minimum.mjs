// The hand-written minimum of each micro case: what a tracer written by hand, with no SDK, must do
// at the least (the same work as bench/fixtures/paired.mjs's `minimal` invocation): the header
// taken apart by regular expressions, IDs from the OS CSPRNG in hex (read 4 KB at a time, as a
// careful tracer by hand would: one getRandomValues per ID costs Node several µs), the document
// built as an object literal, JSON.stringify'd and encoded to the bytes a send needs. No limits,
// no escaping beyond JSON's, no validation: a floor, not a peer.
const ROOT = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24})/;
const PARENT = /Parent=([0-9a-f]{16})/;
const SAMPLED = /Sampled=([01?])/;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const encoder = new TextEncoder();
const PREFIX = '{"format":"json","version":1}\n';
const METADATA = { key: { id: "abc" }, limit: 10 };

const hex = (bytes) => {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += HEX[bytes[i]];
  return s;
};
const pool = new Uint8Array(4096);
let used = pool.length;
/** `n` random bytes from the pool, refilled from the CSPRNG when spent. */
function random(n) {
  if (used + n > pool.length) {
    crypto.getRandomValues(pool);
    used = 0;
  }
  used += n;
  return pool.subarray(used - n, used);
}

export function minimumParse(header) {
  return { root: ROOT.exec(header)?.[1], parent: PARENT.exec(header)?.[1], sampled: SAMPLED.exec(header)?.[1] };
}

export function minimumSegmentId() {
  return hex(random(8));
}

export function minimumTraceId() {
  return `1-${Math.floor(Date.now() / 1000).toString(16)}-${hex(random(12))}`;
}

let sentBytes = 0;
export const minimumSentBytes = () => sentBytes;

/** bench/workload.mjs's segment, by hand: the same fields, encoded, counted as sent. */
export function minimumSegment(header) {
  const { root, parent } = minimumParse(header);
  const start = Date.now() / 1000;
  const subsegments = [];
  for (let i = 0; i < 3; i++) {
    const begun = Date.now() / 1000;
    subsegments.push({
      id: minimumSegmentId(),
      name: "DynamoDB",
      start_time: begun,
      end_time: Date.now() / 1000,
      annotations: { table: "orders", items: 3 },
      metadata: { default: { request: METADATA } },
    });
  }
  const segment = {
    name: "handler",
    id: minimumSegmentId(),
    trace_id: root,
    parent_id: parent,
    start_time: start,
    end_time: Date.now() / 1000,
    subsegments,
  };
  sentBytes += encoder.encode(PREFIX + JSON.stringify(segment)).length;
}
