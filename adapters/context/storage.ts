/**
 * The one AsyncLocalStorage that carries the current segment across awaits, timers and callbacks.
 * The subpaths' bundles share this module (dist/context.internal.js), yet it is still kept on
 * globalThis under a registered symbol, for two cases where one process holds two instances of it:
 * the ESM and CommonJS builds side by side (the custom runtime, ESM, running a CommonJS handler
 * that requires `xray-edge/fetch`: Node 20 cannot require ESM), and two copies of the package (a
 * layer and the function's own). A segment begun in one must be found by the other, and the cold
 * start counted once. Only this state is shared; each instance keeps its own core.
 */
import type { TraceEntity } from "../../core/entity.ts";
import { DEFAULT_SETTINGS, readSettings, type Settings } from "./settings.ts";

/**
 * What the context holds: the current segment or subsegment; or, for an invocation that is not
 * recorded, the header to pass downstream unchanged (pass-through), or "" (nothing to pass on).
 */
export type Scope = TraceEntity | string;

interface Storage<T> {
  getStore(): T | undefined;
  run<R>(store: T, fn: () => R): R;
  disable?(): void;
}

interface Registry {
  /** null where the runtime has no AsyncLocalStorage (explicit parents only). */
  storage: Storage<Scope> | null;
  settings: Settings | undefined;
  /** Kinds of context messages already said (each is said once per process). */
  said: Set<string>;
  /** Invocations running (see runInvocation). */
  invocations: number;
  /** False once a traced invocation has begun in this thread (see takeColdStart). */
  coldStart?: boolean;
  /**
   * Set by a drop-in that traces Lambda invocations with no wrapper, as its peer does
   * (xray-edge/sdk-core): the custom runtime then leaves the handler unwrapped, as Lambda's does.
   */
  wrapperless?: string;
}

const KEY = Symbol.for("xray-edge.context");

type AsyncHooks = { AsyncLocalStorage?: new () => Storage<Scope> };

function newStorage(): Storage<Scope> | null {
  try {
    // getBuiltinModule rather than an import: the same bundle loads on runtimes without
    // node:async_hooks (workerd without nodejs_compat), where explicit parents remain.
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => AsyncHooks | undefined } }).process;
    const Als = p?.getBuiltinModule?.("node:async_hooks")?.AsyncLocalStorage ?? (globalThis as AsyncHooks).AsyncLocalStorage;
    return Als ? new Als() : null;
  } catch {
    return null;
  }
}

export function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  return (g[KEY] ??= { storage: newStorage(), settings: undefined, said: new Set(), invocations: 0 });
}

/**
 * Reads and checks the settings once per process, when a subpath that uses them loads (each
 * entry's index.ts calls this at top level, the runtime at the start of init): a malformed value
 * throws there, naming the variable, and nothing is stored, so every later import throws the same.
 */
export function loadSettings(): Settings {
  const r = registry();
  return (r.settings ??= readSettings());
}

/**
 * The settings as loaded. Never reads the environment and never throws: calls made later must not
 * fail for configuration. Reached unloaded only by code that imports an internal module directly.
 */
export function settings(): Settings {
  return registry().settings ?? DEFAULT_SETTINGS;
}

export function currentScope(): Scope | undefined {
  return registry().storage?.getStore();
}

/** Runs `fn` with `scope` as the context; without AsyncLocalStorage, just runs it. */
export function runIn<R>(scope: Scope, fn: () => R): R {
  const storage = registry().storage;
  return storage ? storage.run(scope, fn) : fn();
}

/** Node's AsyncLocalStorage runs on promise hooks (Bun's and Deno's are built in: nothing to gain). */
const hookedStorage = (() => {
  const g = globalThis as { process?: { versions?: Record<string, string | undefined> }; Deno?: unknown };
  return g.process?.versions?.node !== undefined && g.process.versions.bun === undefined && g.Deno === undefined;
})();

/**
 * Runs one invocation in `scope`. When the last running invocation ends, Node's storage is disabled:
 * on Node 20 an enabled AsyncLocalStorage keeps a hook on every promise of the process, which made
 * the runtime loop's own fetches to the Runtime API 20% slower between invocations. The next
 * `run` enables it again. (Code the handler left running after it returned loses its context.)
 */
export function runInvocation<R>(scope: Scope, fn: () => R | PromiseLike<R>): R | PromiseLike<R> {
  const r = registry();
  // Bun's and Deno's storages need no disabling between invocations: no count, no extra async step.
  if (!hookedStorage) return r.storage ? r.storage.run(scope, fn) : fn();
  return runCounted(r, scope, fn);
}

async function runCounted<R>(r: Registry, scope: Scope, fn: () => R | PromiseLike<R>): Promise<R> {
  r.invocations++;
  try {
    return await (r.storage ? r.storage.run(scope, fn) : fn());
  } finally {
    if (--r.invocations === 0) {
      try {
        r.storage?.disable?.();
      } catch {
        // a storage without disable: it stays on
      }
    }
  }
}

/**
 * True for the first traced invocation of this thread, false ever after: the `ColdStart`
 * annotation. Kept here, on globalThis, so that two copies of the package in one function (a layer
 * and the function's own) still make one cold start. A worker thread has its own globalThis and
 * loads the function's code itself: under AWS_LAMBDA_NODEJS_WORKER_COUNT each worker's first
 * invocation is the one that waited on that init, so each is a cold start. Concurrent invocations
 * begin one after another on the thread's one event loop: only the first is cold.
 */
export function takeColdStart(): boolean {
  const r = registry();
  const cold = r.coldStart !== false;
  r.coldStart = false;
  return cold;
}

/** Whether this runtime carries the context by itself (else pass parents explicitly). */
export function hasAsyncContext(): boolean {
  return registry().storage !== null;
}
