import { spawnSync } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { newSegmentId, newTraceId, createXRay } from "../../adapters/host/index.ts";

test("segment IDs: 16 lower-case hex digits, not all zero, unique over 20,000", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20000; i++) {
    const id = newSegmentId();
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.is.not(id, "0000000000000000");
    seen.add(id);
  }
  assert.is(seen.size, 20000);
});

test("trace IDs: the current epoch second, then 24 random hex digits", () => {
  const before = Math.floor(Date.now() / 1000);
  const id = newTraceId();
  const after = Math.floor(Date.now() / 1000);
  assert.match(id, /^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  const secs = parseInt(id.slice(2, 10), 16);
  assert.ok(secs >= before && secs <= after, `${secs} within [${before}, ${after}]`);
});

test("the pool draws 4 KiB from its entropy source first, then 64 KiB refills, never from Math.random", () => {
  const random = Math.random;
  let calls = 0,
    bytes = 0;
  Math.random = () => {
    throw new Error("Math.random used");
  };
  try {
    const x = createXRay({
      entropy: (a) => {
        calls++;
        bytes += a.length;
        crypto.getRandomValues(a);
      },
    });
    for (let i = 0; i < 512; i++) x.newSegmentId();
    assert.equal([calls, bytes], [1, 4096], "512 IDs of 8 bytes: the first 4 KiB");
    x.newSegmentId();
    assert.equal([calls, bytes], [2, 4096 + 65536], "the 513th refills 64 KiB");
    for (let i = 0; i < 8192; i++) x.newSegmentId();
    assert.equal([calls, bytes], [3, 4096 + 2 * 65536], "8,192 more drain it and refill once more");
  } finally {
    Math.random = random;
  }
});

test("on Node the host platform reads the kernel's CSPRNG from /dev/urandom (no node:crypto or Web Crypto start-up)", () => {
  const script = `
    import crypto from "node:crypto";
    import fs from "node:fs";
    const open = fs.openSync, read = fs.readSync, fill = crypto.randomFillSync;
    let urandom = -1, reads = 0, fills = 0, webCalls = 0;
    fs.openSync = (path, ...rest) => { const fd = open(path, ...rest); if (path === "/dev/urandom") urandom = fd; return fd; };
    fs.readSync = (fd, ...rest) => { if (fd === urandom) reads++; return read(fd, ...rest); };
    crypto.randomFillSync = (b) => { fills++; return fill(b); };
    const web = globalThis.crypto.getRandomValues.bind(globalThis.crypto);
    globalThis.crypto.getRandomValues = (b) => { webCalls++; return web(b); };
    const { newSegmentId } = await import("./adapters/host/index.ts");
    const id = newSegmentId();
    console.log(JSON.stringify({ reads, fills, webCalls, id }));
  `;
  const r = spawnSync(process.execPath, ["--import", "./scripts/register.mjs", "--input-type=module", "-e", script], {
    cwd: new URL("../../", import.meta.url).pathname,
    encoding: "utf8",
  });
  assert.is(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.ok(out.reads >= 1, "read from /dev/urandom");
  assert.is(out.fills, 0);
  assert.is(out.webCalls, 0);
  assert.match(out.id, /^[0-9a-f]{16}$/);
});

test.run();
