/**
 * What each runtime the suites run on supports, in one place. A suite asks `supports("fileSystem")`
 * and runs the test where the runtime has it (and, where it does not, checks what the library does
 * instead) rather than forking per runtime. `probe()` tries a capability for real; the conformance
 * suite checks every declaration below against its probe on every runtime, so the table cannot
 * drift from the runtimes.
 *
 * Imports nothing runtime-specific: it is bundled into the workerd worker too. The node: modules
 * are imported dynamically, by probe() only.
 */

/** Node covers every version the suites run on (20, 22 and 24): these capabilities are the same. */
export type Runtime = "node" | "bun" | "deno" | "workerd";

export type Capability =
  /** `node:dgram` UDP sockets that bind (the xray-edge/udp transport on Node, Deno's fallback). */
  | "dgram"
  /** `AsyncLocalStorage` from `node:async_hooks` (context propagation across awaits). */
  | "asyncLocalStorage"
  /** `new WebAssembly.Module(bytes)` at run time; workerd only takes wasm imported as a module. */
  | "wasmFromBytes"
  /**
   * The host's files through `node:fs` from `process.getBuiltinModule`, as core/rules.ts reads a
   * rules file path. workerd's `node:fs` is a virtual file system of the worker's own bundle,
   * /tmp and /dev: no file of the host is there.
   */
  | "fileSystem"
  /** `process.cwd()`, the default `cause.working_directory` of recorded errors. */
  | "processCwd";

export const CAPABILITIES: readonly Capability[] = ["dgram", "asyncLocalStorage", "wasmFromBytes", "fileSystem", "processCwd"];

/**
 * workerd as test/runtimes/workerd/run.mjs configures it (compatibility date 2026-10-01, no flags),
 * as measured: no wasm compiled from bytes (the embedder forbids code generation); `node:dgram`
 * imports and makes sockets, but they never bind (no UDP); `node:fs` is the virtual file system
 * above; `AsyncLocalStorage` works and `process.cwd()` answers "/bundle". It also allows no timers
 * at global scope, which is why its runner queues the suites and runs them from its test()
 * handler. It reports `process.versions.node` (22.19.0): detectRuntime asks navigator first.
 */
export const SUPPORT: Readonly<Record<Runtime, Readonly<Record<Capability, boolean>>>> = {
  node: { dgram: true, asyncLocalStorage: true, wasmFromBytes: true, fileSystem: true, processCwd: true },
  bun: { dgram: true, asyncLocalStorage: true, wasmFromBytes: true, fileSystem: true, processCwd: true },
  deno: { dgram: true, asyncLocalStorage: true, wasmFromBytes: true, fileSystem: true, processCwd: true },
  workerd: { dgram: false, asyncLocalStorage: true, wasmFromBytes: false, fileSystem: false, processCwd: true },
};

interface Globals {
  Bun?: { version?: string };
  Deno?: { version?: { deno?: string } };
  navigator?: { userAgent?: string };
  process?: { versions?: { node?: string }; cwd?: () => string; getBuiltinModule?: (id: string) => unknown };
}
const g = globalThis as unknown as Globals;

/** The runtime this code runs on. Bun and Deno also define `process`, so they are asked first. */
export function detectRuntime(): Runtime {
  if (g.Bun) return "bun";
  if (g.Deno) return "deno";
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
  if (g.process?.versions?.node) return "node";
  throw new Error(`unknown runtime (navigator.userAgent ${JSON.stringify(g.navigator?.userAgent)}): add it to test/runtimes/env.ts`);
}

export const runtime: Runtime = detectRuntime();

/** The runtime with its version, for messages: "node 22.23.3", "bun 1.4.5", "workerd". */
export const runtimeLabel: string =
  runtime === "bun"
    ? `bun ${g.Bun?.version}`
    : runtime === "deno"
      ? `deno ${g.Deno?.version?.deno}`
      : runtime === "node"
        ? `node ${g.process?.versions?.node}`
        : runtime;

export function supports(capability: Capability): boolean {
  return SUPPORT[runtime][capability];
}

/** The smallest valid wasm module: the magic number and version 1. */
const EMPTY_WASM = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);

/** A socket that has not bound by then never will (workerd's never do). */
const BIND_TIMEOUT_MS = 2000;

/** Tries the capability for real. Never throws. */
export async function probe(capability: Capability): Promise<boolean> {
  try {
    switch (capability) {
      case "dgram": {
        const dgram = await import("node:dgram");
        const socket = dgram.createSocket("udp4");
        let timer: ReturnType<typeof setTimeout> | undefined;
        const bound = await new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), BIND_TIMEOUT_MS);
          socket.once("error", () => resolve(false));
          socket.bind(0, "127.0.0.1", () => resolve(true));
        });
        clearTimeout(timer);
        if (bound) socket.close();
        return bound;
      }
      case "asyncLocalStorage": {
        const { AsyncLocalStorage } = await import("node:async_hooks");
        const als = new AsyncLocalStorage<number>();
        return await als.run(7, async () => {
          await Promise.resolve();
          return als.getStore() === 7;
        });
      }
      case "wasmFromBytes":
        return new WebAssembly.Module(EMPTY_WASM) instanceof WebAssembly.Module;
      case "fileSystem": {
        // This very file, read from the host's disk (import.meta.url is undefined in workerd).
        const fs = g.process?.getBuiltinModule?.("node:fs") as { readFileSync(path: string, encoding: "utf8"): string } | undefined;
        const self = decodeURIComponent(new URL(import.meta.url).pathname);
        return fs?.readFileSync(self, "utf8").includes("export async function probe(") === true;
      }
      case "processCwd":
        return typeof g.process?.cwd?.() === "string";
    }
  } catch {
    return false;
  }
}
