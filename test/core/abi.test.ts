import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as S from "../../core/assembly/shared.ts";
import { embeddedModule } from "../../core/wasm.ts";

// One ABI: the constants both sides use are defined once (core/assembly/shared.ts, compiled by
// AssemblyScript and imported by core/abi.ts), and only core/abi.ts touches the wasm instance.

const root = new URL("../../", import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), "utf8");
/** The code of a file, comments removed (they may name what the code must not do). */
const code = (path: string) =>
  read(path)
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const shared = read("core/assembly/shared.ts");
const names = [...shared.matchAll(/^export const ([A-Z0-9_]+) = (-?\d+);$/gm)].map((m) => m[1]!);

test("shared.ts holds only plain integer constants, the ones the core's module exports", () => {
  const declared = [...shared.matchAll(/^export const ([A-Za-z0-9_]+)/gm)].map((m) => m[1]!);
  assert.equal(declared, names, "every export of shared.ts is `export const NAME = <integer>;`");
  assert.ok(names.length > 60, `${names.length} constants`);
  for (const name of names) assert.type((S as Record<string, unknown>)[name], "number", name);
});

test("no file under core/ defines a shared constant again", () => {
  const sources = [...files("core")].filter((f) => !f.endsWith("shared.ts"));
  assert.ok(sources.length > 20);
  const again: string[] = [];
  for (const file of sources) {
    const text = read(file);
    for (const name of names) {
      // A definition with a literal (`const E_STALE: i32 = -1`, `const OK = 0`), not an alias of the shared one.
      if (new RegExp(`\\bconst ${name}\\s*(:\\s*\\w+)?\\s*=\\s*-?(\\d|0x)`).test(text)) again.push(`${file}: ${name}`);
    }
  }
  assert.equal(again, []);
});

test("only core/abi.ts calls the wasm's exports or reads its memory", () => {
  // Core keeps the exports in an ES private field (#x), so outside abi.ts they can be reached
  // only by instantiating the module anew, reading an instance's exports, or its memory.
  const touching = /WebAssembly\.(Instance|instantiate)\b|\.exports\b|memory\.buffer/;
  const offenders = [...files("core"), ...files("adapters")].filter(
    (f) => !f.startsWith("core/assembly") && f !== "core/abi.ts" && touching.test(code(f)),
  );
  assert.equal(offenders, []);
});

test("core/abi.ts binds exactly the exports core.wasm has", () => {
  const abi = read("core/abi.ts");
  const iface = abi.slice(abi.indexOf("interface Exports {"), abi.indexOf("}", abi.indexOf("interface Exports {")));
  const bound = [...iface.matchAll(/^\s+([a-zA-Z0-9]+)[(:]/gm)].map((m) => m[1]!).sort();
  const exported = WebAssembly.Module.exports(embeddedModule())
    .map((e) => e.name)
    .sort();
  assert.equal(bound, exported);
});

test("core/ imports no node: module and touches no process global", () => {
  const offenders = files("core").filter((f) => /from "node:|\bprocess\.|globalThis\.process|\bprocess\?/.test(code(f)));
  assert.equal(offenders, []);
});

test("the core's TypeScript files import one another without a cycle (type imports included)", () => {
  const graph = new Map<string, string[]>();
  for (const file of files("core").filter((f) => !f.startsWith("core/assembly"))) {
    const deps = [...read(file).matchAll(/from "\.\/([a-z-]+)\.ts"/g)].map((m) => `core/${m[1]}.ts`);
    graph.set(file, deps);
  }
  assert.ok(graph.size > 15);
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (path.includes(file)) return void cycles.push([...path.slice(path.indexOf(file)), file].join(" -> "));
    for (const dep of graph.get(file) ?? []) visit(dep, [...path, file]);
  };
  for (const file of graph.keys()) visit(file, []);
  assert.equal(cycles, []);
});

test.run();
