/** Interprets the operation lists of encoding.json against a tracer, and the injected platform. */
export type Op = [string, ...unknown[]];

/** The handles' methods the operations use (structural: sources and bundles alike). */
interface EntityLike {
  beginSubsegment(name: string, options?: never): EntityLike;
  addAnnotation(key: string, value: never): void;
  addMetadata(key: string, value: unknown, namespace?: string): void;
  addError(error: unknown, options?: { remote?: boolean }): void;
  setHttp(data: never): void;
  setAws(data: never): void;
  setSql(data: never): void;
  setUser?(user: string): void;
  addFaultFlag(): void;
  addErrorFlag(): void;
  addThrottleFlag(): void;
  close(): void;
}

export interface TracerLike {
  beginSegment(name?: string, options?: { traceHeader?: string; facade?: boolean }): EntityLike;
}

/** Entropy whose byte k (counted over all calls) is (k + 1) & 0xff. */
export function sequentialEntropy(): (bytes: Uint8Array) => void {
  let k = 0;
  return (bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = ++k & 0xff;
  };
}

export function fixedEntropy(byte: number): (bytes: Uint8Array) => void {
  return (bytes) => void bytes.fill(byte);
}

/** A clock answering the listed times in order; past the end it keeps the last. */
export function scriptedClock(times: number[]): () => number {
  let i = 0;
  return () => times[Math.min(i++, times.length - 1)]!;
}

export function runOps(tracer: TracerLike, ops: Op[]): Map<string, EntityLike> {
  const handles = new Map<string, EntityLike>();
  const get = (id: unknown) => {
    const h = handles.get(String(id));
    if (!h) throw new Error(`no handle ${String(id)}`);
    return h;
  };
  for (const [op, id, ...args] of ops) {
    switch (op) {
      case "begin":
        handles.set(
          String(id),
          tracer.beginSegment(String(args[0]), { traceHeader: (args[1] as string | null) ?? undefined, ...(args[2] as object) }),
        );
        break;
      case "sub":
        handles.set(String(id), get(args[0]).beginSubsegment(String(args[1]), args[2] as never));
        break;
      case "annotate":
        get(id).addAnnotation(String(args[0]), args[1] as never);
        break;
      case "metadata":
        get(id).addMetadata(String(args[0]), args[1], args[2] as string | undefined);
        break;
      case "error":
        get(id).addError(toError(args[0] as ErrorSpec), { remote: args[1] === true });
        break;
      case "http":
        get(id).setHttp(args[0] as never);
        break;
      case "aws":
        get(id).setAws(args[0] as never);
        break;
      case "sql":
        get(id).setSql(args[0] as never);
        break;
      case "user":
        get(id).setUser!(String(args[0]));
        break;
      case "flag":
        if (args[0] === "fault") get(id).addFaultFlag();
        else if (args[0] === "error") get(id).addErrorFlag();
        else get(id).addThrottleFlag();
        break;
      case "close":
        get(id).close();
        break;
      default:
        throw new Error(`unknown op ${op}`);
    }
  }
  return handles;
}

interface ErrorSpec {
  type: string;
  message: string;
  stack: string;
  cause?: ErrorSpec;
}

function toError(spec: ErrorSpec): Error {
  const error = new Error(spec.message, spec.cause ? { cause: toError(spec.cause) } : undefined);
  error.name = spec.type;
  error.stack = spec.stack;
  return error;
}
