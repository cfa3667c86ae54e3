// The hand-written minimum of a traced Lambda invocation with 3 subsegments, for the Lambda
// benchmarks (lambda-child.mjs, invocation-child.mjs): the header from _X_AMZN_TRACE_ID by a
// regular expression, random IDs, the `## <handler>` subsegment with its subsegments, ColdStart
// and Service annotations and the response as metadata, built by hand, JSON.stringify'd and handed
// to `send` (one datagram; none sent when `send` is undefined: built and dropped).
const HEADER = /Root=(1-[0-9a-f]{8}-[0-9a-f]{24});Parent=([0-9a-f]{16});Sampled=1/;
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function minimumLambdaHandler({ handlerName, names, send }) {
  const random = new Uint8Array(8 * (names.length + 1));
  const id = (i) => {
    let s = "";
    for (let j = i * 8; j < i * 8 + 8; j++) s += HEX[random[j]];
    return s;
  };
  const now = () => (performance.timeOrigin + performance.now()) / 1000; // µs, as the SDKs' times
  let cold = true;
  return async (_event, _context) => {
    const header = HEADER.exec(process.env._X_AMZN_TRACE_ID ?? "");
    if (header) crypto.getRandomValues(random);
    const start = now();
    const subsegments = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const begin = now();
      await (async () => name)();
      if (header) subsegments.push({ name, id: id(i + 1), start_time: begin, end_time: now(), annotations: { step: name } });
    }
    const result = { ok: true };
    if (header) {
      const document = {
        name: `## ${handlerName}`,
        id: id(0),
        trace_id: header[1],
        type: "subsegment",
        parent_id: header[2],
        start_time: start,
        end_time: now(),
        annotations: { ColdStart: cold, Service: "bench" },
        metadata: { bench: { [`${handlerName} response`]: result } },
        subsegments,
      };
      const datagram = `{"format":"json","version":1}\n${JSON.stringify(document)}`;
      send?.(datagram);
    }
    cold = false;
    return result;
  };
}
