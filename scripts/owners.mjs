// Which bundle owns each source file. A file is bundled only into its owner's files; every other
// bundle that uses it imports it from there (`./context.internal.js`, `./index.cjs`: bundles.mjs),
// so one copy of the core, the context and the UDP client serves every subpath in a process, and
// a handler bundled by the app's bundler carries each file once.
//   - an entry's own source file: that entry (`adapters/powertools/middleware.ts` is its own);
//   - core/**: the main entry, `index` (adapters/host is its directory);
//   - adapters/<dir>/**: the entry whose source is adapters/<dir>/index.ts;
//   - adapters/runtime/bootstrap.ts: `bootstrap`, the custom runtime's file (not a subpath).
import entries from "./entries.json" with { type: "json" };

const bySource = new Map(entries.map((e) => [e.source, e.name]));
bySource.set("adapters/runtime/bootstrap.ts", "bootstrap");
const byDir = new Map(entries.filter((e) => e.source.endsWith("/index.ts")).map((e) => [e.source.slice(0, -"index.ts".length), e.name]));

/** The owner of a source file, given relative to the repository root with "/"; undefined outside. */
export function ownerOf(file) {
  const own = bySource.get(file);
  if (own) return own;
  if (file.startsWith("core/")) return "index";
  const dir = /^adapters\/[^/]+\//.exec(file)?.[0];
  return dir ? byDir.get(dir) : undefined;
}

/**
 * Owners whose subpath file also serves the others, with no .internal file: importing their entry
 * does nothing another bundle must not have done (the main entry sets the host platform, which
 * every core should have; udp and xray-api do nothing at import). Every file a fresh process loads
 * costs it time (about 1.2 ms of CPU each: lambda's 5 files against the same code as 1, Node 20), so only the entries that check
 * settings at import (the context's, lambda's, ...) get an .internal file.
 */
export const servesFromEntry = new Set(["index", "udp", "xray-api"]);
