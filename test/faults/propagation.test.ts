/**
 * Issue 11, point 1: what xray-edge propagates is always a valid header. Each row is an incoming
 * header with untrusted bytes in its extra fields or Lineage, and what must go downstream: the
 * request is made (never refused for its header), and the header it carries, and the segment's
 * traceHeader, are visible ASCII plus spaces within budget, with the bad field dropped and the
 * trace kept. Run as a fresh process on Node, Bun and Deno through xray-edge/fetch to a server here.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { RUNTIMES, runFixture } from "./run.ts";

const ROOT = "1-5759e988-bd862e3fe1be46a994272793";
const BASE = `Root=${ROOT};Parent=53995c3f42cd8ad8;Sampled=1`;
/** Visible ASCII plus spaces: what every header xray-edge writes is made of. */
const VISIBLE = /^[\x20-\x7e]+$/;

interface Row {
  case: string;
  incoming: string;
  /** The fields after Root, Parent and Sampled that must survive (in order), e.g. ";Tenant=acme". */
  carried: string;
}

const ROWS: Row[] = [
  { case: "CR LF in an extra value (header injection)", incoming: `${BASE};Tenant=acme;X=a\r\nSet-Cookie: y`, carried: ";Tenant=acme" },
  { case: "a NUL in an extra key", incoming: `${BASE};Tenant=acme;a\u0000b=1`, carried: ";Tenant=acme" },
  { case: "a C1 control and DEL", incoming: `${BASE};A=\u0085;B=\u007f;Tenant=acme`, carried: ";Tenant=acme" },
  { case: "non-ASCII text (Latin-1, CJK, an emoji)", incoming: `${BASE};Name=café;Tenant=acme;C=日本;E=😀`, carried: ";Tenant=acme" },
  { case: "a Lineage of 7 KB", incoming: `${BASE};Lineage=${"a87bd80c:1|".repeat(640)}a87bd80c:1;Tenant=acme`, carried: ";Tenant=acme" },
  {
    case: "a Lineage in its documented form",
    incoming: `${BASE};Lineage=1:a87bd80c:0;Tenant=acme`,
    carried: ";Lineage=1:a87bd80c:0;Tenant=acme",
  },
];

async function server() {
  const seen: (string | undefined)[] = [];
  const s = createServer((req, res) => {
    seen.push(req.headers["x-amzn-trace-id"] as string | undefined);
    res.end("ok");
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  return { seen, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/`, close: () => new Promise((r) => s.close(r)) };
}

for (const row of ROWS) {
  test(`${row.case}: the request is made, the bad field dropped, the trace kept`, async () => {
    const s = await server();
    try {
      const runs = RUNTIMES.map(async (runtime) => ({
        runtime,
        ran: await runFixture(runtime, "propagate.mjs", [JSON.stringify(row.incoming), s.url], {}),
      }));
      for (const { runtime, ran } of await Promise.all(runs)) {
        assert.is(ran.code, 0, `${runtime}: ${ran.stderr}`);
        assert.is(ran.result.error, undefined, `${runtime}: the request was refused: ${ran.result.error}`);
        assert.is(ran.result.status, 200, runtime);
        const own = ran.result.traceHeader as string;
        assert.match(own, VISIBLE, `${runtime}: traceHeader`);
        assert.ok(own.startsWith(`Root=${ROOT};Parent=`) && own.endsWith(`;Sampled=1${row.carried}`), `${runtime}: ${own}`);
      }
      assert.is(s.seen.length, RUNTIMES.length, "one request from each runtime");
      for (const header of s.seen) {
        assert.match(header ?? "", VISIBLE);
        assert.ok(header!.length <= 595, `within budget: ${header!.length}`);
        assert.ok(header!.startsWith(`Root=${ROOT};Parent=`) && header!.endsWith(`;Sampled=1${row.carried}`), header);
      }
    } finally {
      await s.close();
    }
  });
}

test.run();
