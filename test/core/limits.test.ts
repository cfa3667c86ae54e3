import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync } from "node:fs";
import * as limits from "../../core/limits.ts";

// The core keeps its own copies of the limits (AssemblyScript cannot import core/limits.ts).
const assembly = readFileSync(new URL("../../core/assembly/limits.ts", import.meta.url), "utf8");

test("the AssemblyScript limits equal the TypeScript ones", () => {
  const names = [
    "MAX_DATAGRAM_BYTES",
    "MAX_NAME_CHARS",
    "MAX_ANNOTATIONS",
    "MAX_ANNOTATION_KEY_CHARS",
    "MAX_ANNOTATION_VALUE_CHARS",
  ] as const;
  for (const name of names) {
    const m = new RegExp(`export const ${name}: i32 = (\\d+);`).exec(assembly);
    assert.ok(m, `${name} in core/assembly/limits.ts`);
    assert.is(Number(m![1]), limits[name], name);
  }
});

test.run();
