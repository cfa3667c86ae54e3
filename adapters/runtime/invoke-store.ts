/**
 * `awslambda.InvokeStore`, as Lambda's Node runtime provides it (the API of
 * @aws/lambda-invoke-store 0.3): the invocation's request ID and trace header for code that
 * cannot take them as arguments — traceHandler reads the header here first (adapters/lambda/
 * header.ts), and so do Powertools and the AWS SDK. With AWS_LAMBDA_MAX_CONCURRENCY set it is
 * backed by an AsyncLocalStorage, so that invocations running at once each see their own; without,
 * it holds the one invocation in progress, as the package's single-context store does.
 *
 * Written here rather than imported: the layer's loop is one bundle with no dependencies, and a
 * function that bundles the package itself finds this one on `globalThis.awslambda` and uses it
 * (InvokeStore.getInstanceAsync returns the global one when there is one).
 */

/** The package's protected keys: registered symbols, the same in every copy of it. */
export const PROTECTED_KEYS = {
  REQUEST_ID: Symbol.for("_AWS_LAMBDA_REQUEST_ID"),
  X_RAY_TRACE_ID: Symbol.for("_AWS_LAMBDA_X_RAY_TRACE_ID"),
  TENANT_ID: Symbol.for("_AWS_LAMBDA_TENANT_ID"),
  TRACEPARENT: Symbol.for("_AWS_LAMBDA_TRACEPARENT"),
  TRACESTATE: Symbol.for("_AWS_LAMBDA_TRACESTATE"),
  BAGGAGE: Symbol.for("_AWS_LAMBDA_BAGGAGE"),
} as const;

const PROTECTED = new Set<PropertyKey>(Object.values(PROTECTED_KEYS));

export type InvokeValues = Record<PropertyKey, unknown>;

interface Storage {
  getStore(): InvokeValues | undefined;
  run<R>(store: InvokeValues, fn: () => R): R;
  disable?(): void;
}

/** Node's AsyncLocalStorage runs on promise hooks; Bun's and Deno's are built in. */
const hooked = (() => {
  const g = globalThis as { process?: { versions?: Record<string, string | undefined> }; Deno?: unknown };
  return g.process?.versions?.node !== undefined && g.process.versions.bun === undefined && g.Deno === undefined;
})();

export interface AsyncLocalStorageClass {
  new (): Storage;
}

export class InvokeStore {
  static readonly PROTECTED_KEYS = PROTECTED_KEYS;
  private single: InvokeValues | undefined;
  private running = 0;

  /** With `Storage` (an AsyncLocalStorage class), one context per async flow; else one for the process. */
  constructor(private readonly storage?: Storage) {}

  isProtectedKey(key: PropertyKey): boolean {
    return PROTECTED.has(key);
  }
  getContext(): InvokeValues | undefined {
    return this.storage ? this.storage.getStore() : this.single;
  }
  hasContext(): boolean {
    return this.getContext() !== undefined;
  }
  get(key: PropertyKey): unknown {
    return this.getContext()?.[key];
  }
  /** As the package: a protected key cannot be set; outside an invocation, under concurrency, nothing can. */
  set(key: PropertyKey, value: unknown): void {
    if (this.isProtectedKey(key)) throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    if (this.storage) {
      const store = this.storage.getStore();
      if (!store) throw new Error("No context available");
      store[key] = value;
      return;
    }
    this.single ??= {};
    this.single[key] = value;
  }
  run<R>(context: InvokeValues, fn: () => R): R {
    if (this.storage) return this.storage.run(context, fn);
    this.single = context;
    return fn();
  }
  /**
   * Runs one invocation in its values. On Node the storage is disabled whenever no invocation
   * runs, as the context's is (adapters/context/storage.ts): an enabled AsyncLocalStorage hooks
   * every promise of the process, the loop's own requests between invocations included. The next
   * run enables it again. (Code an invocation left running after it ended loses its values.)
   */
  async runInvocation<R>(values: InvokeValues, fn: () => Promise<R>): Promise<R> {
    const storage = this.storage;
    if (!storage || !hooked) return this.run(values, fn);
    this.running++;
    try {
      return await storage.run(values, fn);
    } finally {
      if (--this.running === 0) {
        try {
          storage.disable?.();
        } catch {
          // a storage without disable: it stays on
        }
      }
    }
  }
  getRequestId(): string {
    const id = this.get(PROTECTED_KEYS.REQUEST_ID);
    return typeof id === "string" ? id : "-";
  }
  getXRayTraceId(): string | undefined {
    return this.get(PROTECTED_KEYS.X_RAY_TRACE_ID) as string | undefined;
  }
  getTenantId(): string | undefined {
    return this.get(PROTECTED_KEYS.TENANT_ID) as string | undefined;
  }
}

/** One invocation's values: its request ID, and its trace header when it has one. */
export function invokeValues(requestId: string, traceHeader: string | undefined): InvokeValues {
  const values: InvokeValues = { [PROTECTED_KEYS.REQUEST_ID]: requestId };
  if (traceHeader !== undefined) values[PROTECTED_KEYS.X_RAY_TRACE_ID] = traceHeader;
  return values;
}
