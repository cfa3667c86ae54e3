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
  return (g[KEY] ??= { storage: newStorage(), settings: undefined, said: new Set() });
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

/**
 * Runs one invocation in `scope`. Node's storage stays enabled between invocations, as
 * aws-xray-sdk-core's does. It used to be disabled when the last invocation ended, since an
 * enabled one hooks every promise of the process and made the runtime loop's fetches 20% slower;
 * the loops now use node:http, where the hooks cost a GET and a POST to another process 2.6 µs
 * of wall time and 19 µs of CPU, while disabling and enabling again cost every traced invocation
 * 11 µs of wall time and 16 µs of CPU before its result (docs/measurements.md, "The context
 * between invocations").
 * Code the handler leaves running after it returns keeps its context too.
 */
export function runInvocation<R>(scope: Scope, fn: () => R | PromiseLike<R>): R | PromiseLike<R> {
  return runIn(scope, fn);
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
