/**
 * The runtime's pure parts, from the sources: handler names, telling a missing candidate file from
 * a module's own failure (as each runtime words it), the error document, the error-type header and
 * the X-Ray error cause within its size.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fileUrl, importFailure, isMissing, parseHandlerName } from "../../adapters/runtime/load.ts";
import { errorDocument, errorTypeHeader, MAX_XRAY_CAUSE_BYTES, xrayErrorCause } from "../../adapters/runtime/errors.ts";
import { FAULT_EXIT_CODES, rejectionError } from "../../adapters/runtime/faults.ts";

const throws = (fn: () => unknown): { name: string; message: string } => {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error("did not throw");
};

test("handler names: file, folders, nested exports", () => {
  assert.equal(parseHandlerName("index.handler"), { folder: "", file: "index", exportPath: ["handler"] });
  assert.equal(parseHandlerName("src/app.handler"), { folder: "src/", file: "app", exportPath: ["handler"] });
  assert.equal(parseHandlerName("api.v1.routes.get"), { folder: "", file: "api", exportPath: ["v1", "routes", "get"] });
  assert.equal(parseHandlerName("/opt/fn/my.app.h"), { folder: "/opt/fn/", file: "my", exportPath: ["app", "h"] });
  assert.equal(parseHandlerName("dir.with.dots/app.h"), { folder: "dir.with.dots/", file: "app", exportPath: ["h"] });
});

test("malformed handler names are Runtime.MalformedHandlerName, saying why", () => {
  const cases: [string, RegExp][] = [
    ["", /empty \(set _HANDLER\)/],
    ["index", /no dot/],
    ["src/index", /no dot/],
    [".handler", /file name is empty/],
    ["index.", /export name is empty/],
    ["index.a..b", /contains "\.\."/],
    ["../up.handler", /contains "\.\."/],
  ];
  for (const [name, why] of cases) {
    const e = throws(() => parseHandlerName(name));
    assert.is(e.name, "Runtime.MalformedHandlerName", name);
    assert.match(e.message, why, name);
  }
});

test("file URLs encode each segment", () => {
  assert.is(fileUrl("/var/task/my app#1/%x.mjs").href, "file:///var/task/my%20app%231/%25x.mjs");
  assert.is(fileUrl("/var/task/./src/a.js").href, "file:///var/task/src/a.js");
});

test("a missing candidate is told from a module's own not-found failure, in each runtime's words", () => {
  const url = fileUrl("/var/task/app.mjs");
  // Node
  assert.ok(
    isMissing(
      { code: "ERR_MODULE_NOT_FOUND", url: url.href, message: "Cannot find module '/var/task/app.mjs' imported from /opt/bootstrap.js" },
      url,
    ),
  );
  assert.not.ok(
    isMissing(
      {
        code: "ERR_MODULE_NOT_FOUND",
        url: "file:///var/task/dep.mjs",
        message: "Cannot find module '/var/task/dep.mjs' imported from /var/task/app.mjs",
      },
      url,
    ),
  );
  assert.not.ok(
    isMissing({ code: "ERR_MODULE_NOT_FOUND", message: "Cannot find package 'left-pad' imported from /var/task/app.mjs" }, url),
  );
  // Bun
  assert.ok(
    isMissing(
      {
        name: "ResolveMessage",
        code: "ERR_MODULE_NOT_FOUND",
        specifier: "/var/task/app.mjs",
        message: "Cannot find module '/var/task/app.mjs' imported from /opt/bootstrap.js",
      },
      url,
    ),
  );
  assert.not.ok(
    isMissing(
      {
        name: "ResolveMessage",
        code: "ERR_MODULE_NOT_FOUND",
        specifier: "left-pad",
        message: "Cannot find package 'left-pad' imported from /var/task/app.mjs",
      },
      url,
    ),
  );
  // Deno (its messages carry colour codes)
  assert.ok(isMissing({ name: "TypeError", code: "ERR_MODULE_NOT_FOUND", message: `Module not found "${url.href}".` }, url));
  assert.not.ok(
    isMissing(
      {
        name: "TypeError",
        code: "ERR_MODULE_NOT_FOUND",
        message: 'Module not found "file:///var/task/dep.mjs".\n    at \u001b[0m\u001b[36mfile:///var/task/app.mjs\u001b[0m:1:8',
      },
      url,
    ),
  );
  // Not a not-found failure at all
  assert.not.ok(isMissing(new TypeError(`'${url.pathname}' broke`), url));
  assert.not.ok(isMissing(undefined, url));
});

test("import failures: syntax errors and missing modules get Runtime types, anything else stays itself", () => {
  const url = fileUrl("/var/task/app.mjs");
  const node = importFailure(new SyntaxError("Unexpected token ';'"), url) as Error;
  assert.is(node.name, "Runtime.UserCodeSyntaxError");
  assert.is(node.message, "SyntaxError: Unexpected token ';' (importing /var/task/app.mjs)");
  const deno = importFailure(
    Object.assign(new TypeError("SyntaxError: Unexpected token `;`\n    at file:///var/task/app.mjs:3:18"), {
      code: "ERR_MODULE_NOT_FOUND",
    }),
    url,
  ) as Error;
  assert.is(deno.name, "Runtime.UserCodeSyntaxError");
  assert.is(deno.message, "SyntaxError: Unexpected token `;`\n    at file:///var/task/app.mjs:3:18");
  const bun = importFailure(
    { name: "BuildMessage", message: 'Expected "}" but found ";"', position: { file: "/var/task/app.mjs", line: 3, column: 18 } },
    url,
  ) as Error;
  assert.is(bun.name, "Runtime.UserCodeSyntaxError");
  assert.is(bun.message, 'SyntaxError: Expected "}" but found ";" (/var/task/app.mjs:3:18)');
  const dep = importFailure(
    Object.assign(new Error("Cannot find package 'left-pad' imported from /var/task/app.mjs"), { code: "ERR_MODULE_NOT_FOUND" }),
    url,
  ) as Error;
  assert.is(dep.name, "Runtime.ImportModuleError");
  const own = new RangeError("thrown at load");
  assert.is(importFailure(own, url), own);
});

test("the error document: errors give name, message, stack lines; other values typeof and text", () => {
  const e = new TypeError("bad");
  assert.equal(errorDocument(e), { errorMessage: "bad", errorType: "TypeError", stackTrace: e.stack!.split("\n") });
  assert.equal(errorDocument("words"), { errorMessage: "words", errorType: "string", stackTrace: [] });
  assert.equal(errorDocument(undefined), { errorMessage: "undefined", errorType: "undefined", stackTrace: [] });
  assert.equal(errorDocument({ code: 1 }), { errorMessage: "[object Object]", errorType: "object", stackTrace: [] });
  const hostile = new Error("x");
  Object.defineProperty(hostile, "message", {
    get() {
      throw new Error("no");
    },
  });
  assert.is(errorDocument(hostile).errorType, "Runtime.UnreadableError");
});

test("the error-type header: printable ASCII up to 256 characters, else Unhandled", () => {
  assert.is(errorTypeHeader("Runtime.ImportModuleError"), "Runtime.ImportModuleError");
  assert.is(errorTypeHeader("  ValidationError "), "ValidationError");
  assert.is(errorTypeHeader("Fehlerklasse\u00c4"), "Unhandled");
  assert.is(errorTypeHeader("a\r\nInjected: 1"), "Unhandled");
  assert.is(errorTypeHeader(""), "Unhandled");
  assert.is(errorTypeHeader("E".repeat(257)), "Unhandled");
});

test("the X-Ray cause: paths from file URLs, non-ASCII escaped, non-errors without frames", () => {
  const e = new Error("naïve ☃");
  e.stack =
    "Error: naïve ☃\n    at handler (file:///var/task/my%20app.mjs:3:9)\n    at file:///var/task/lib.mjs:10:2\n    at Runtime (node:internal/x:1:1)";
  const raw = xrayErrorCause(e, "/var/task")!;
  assert.ok(/^[\x20-\x7e]*$/.test(raw), raw);
  assert.equal(JSON.parse(raw), {
    working_directory: "/var/task",
    exceptions: [
      {
        type: "Error",
        message: "naïve ☃",
        stack: [
          { path: "/var/task/my app.mjs", line: 3, label: "handler" },
          { path: "/var/task/lib.mjs", line: 10, label: "anonymous" },
          { path: "node:internal/x", line: 1, label: "Runtime" },
        ],
      },
    ],
    paths: ["/var/task/my app.mjs", "/var/task/lib.mjs", "node:internal/x"],
  });
  assert.equal(JSON.parse(xrayErrorCause("plain", "/w")!), {
    working_directory: "/w",
    exceptions: [{ type: "string", message: "plain", stack: [] }],
    paths: [],
  });
});

test("the X-Ray cause fits in 8 KiB: frames past 8 go first, then the message is cut, then the rest", () => {
  const frames = (n: number, pad: number) =>
    Array.from({ length: n }, (_, i) => `    at fn${i} (/var/task/${"d".repeat(pad)}/f${i}.mjs:${i + 1}:1)`).join("\n");
  const many = new Error("short");
  many.stack = `Error: short\n${frames(40, 300)}`;
  const a = JSON.parse(xrayErrorCause(many, "/w")!).exceptions[0];
  assert.is(a.message, "short");
  assert.ok(a.stack.length >= 8 && a.stack.length < 32, `${a.stack.length} frames`);
  assert.is(a.stack.length + a.truncated, 40);
  const wide = new Error("€".repeat(5000));
  wide.stack = `Error: x\n${frames(40, 300)}`;
  const rawWide = xrayErrorCause(wide, "/w")!;
  assert.ok(rawWide.length <= MAX_XRAY_CAUSE_BYTES, `${rawWide.length}`);
  const b = JSON.parse(rawWide).exceptions[0];
  assert.ok(b.message.length < 5000 && b.message.length >= 256, `${b.message.length}`);
  assert.ok(b.stack.length >= 1, "some frames kept");
  const hopeless = new Error("x");
  hopeless.name = "N".repeat(MAX_XRAY_CAUSE_BYTES);
  const rawHopeless = xrayErrorCause(hopeless, "/".repeat(MAX_XRAY_CAUSE_BYTES));
  assert.is(rawHopeless, undefined);
});

test.run();

test("an unhandled rejection is Runtime.UnhandledPromiseRejection, its message the reason as new Error(reason) words it", () => {
  const reason = new RangeError("boom");
  const error = rejectionError(reason);
  assert.is(error.name, "Runtime.UnhandledPromiseRejection");
  assert.is(error.message, "RangeError: boom");
  const lines = (error.stack ?? "").split("\n");
  assert.is(lines[0], "Runtime.UnhandledPromiseRejection: RangeError: boom");
  // The reason's own frames follow, the first of them this test's.
  assert.ok(lines.length > 1 && lines.slice(1).every((l) => /^\s+at\s/.test(l)), error.stack);
  assert.match(lines[1]!, /units\.test\.ts/);
  assert.is(rejectionError(42).message, "42");
  assert.is(rejectionError(undefined).message, "");
  assert.is(rejectionError(null).message, "null");
  assert.is(rejectionError(Symbol("s")).message, "Symbol(s)");
  assert.is(rejectionError(Object.create(null)).message, "[object Object]");
  assert.is(rejectionError({ stack: 7 }).stack, "Runtime.UnhandledPromiseRejection: [object Object]");
  assert.equal(FAULT_EXIT_CODES, { uncaughtException: 129, unhandledRejection: 128 });
});
