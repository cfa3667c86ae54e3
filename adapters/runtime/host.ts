/**
 * What the runtime needs from its host beyond fetch: the environment, the working directory, the
 * exit, and whether `import()` takes TypeScript. Node, Bun and Deno 2 all have a `process` global
 * (Deno's maps onto Deno.env, Deno.cwd and Deno.exit); Deno's own API is the fallback.
 */
import { processEnv, type Env } from "../context/settings.ts";

interface ProcessLike {
  env?: Env;
  cwd?(): string;
  exit?(code: number): never;
  exitCode?: number;
  features?: { typescript?: unknown };
}
interface DenoLike {
  cwd?(): string;
  exit?(code: number): never;
}

const host = globalThis as { process?: ProcessLike; Deno?: DenoLike; Bun?: unknown };

export { processEnv, type Env };

/** Sets or, for undefined, removes an environment variable (the next reader sees no stale value). */
export function setEnv(name: string, value: string | undefined): void {
  const env = processEnv();
  try {
    if (value === undefined) delete env[name];
    else env[name] = value;
  } catch {
    // an environment that refuses writes (Deno without --allow-env): tracing reads nothing
  }
}

export function cwd(): string {
  try {
    return host.process?.cwd?.() ?? host.Deno?.cwd?.() ?? "/";
  } catch {
    return "/";
  }
}

/** Ends the process with `code`; stdout and stderr writes made before it are not lost. */
export function exit(code: number): never {
  if (typeof host.process?.exit === "function") return host.process.exit(code);
  if (typeof host.Deno?.exit === "function") return host.Deno.exit(code);
  throw new Error(`exit(${code}): no process.exit or Deno.exit in this runtime`);
}

/** Bun and Deno import .ts files; Node does where it strips types (process.features.typescript). */
export function importsTypeScript(): boolean {
  if (host.Bun !== undefined || host.Deno !== undefined) return true;
  return Boolean(host.process?.features?.typescript);
}
