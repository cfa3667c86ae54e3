/**
 * The environment settings shared by the adapters, with aws-xray-sdk-core's names and meanings.
 * Read once per process, when the first subpath that uses them loads (storage.ts, loadSettings): a
 * malformed value throws there, naming the variable and the accepted values, so that bad
 * configuration fails the import rather than some later call.
 */
import type { Logger } from "../../core/log.ts";

/** What a call that needs the current segment does when there is none. */
export type ContextMissing = "LOG_ERROR" | "RUNTIME_ERROR" | "IGNORE_ERROR";
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Settings {
  /** AWS_XRAY_SDK_ENABLED: `false` makes every adapter a no-op. */
  enabled: boolean;
  /** AWS_XRAY_CONTEXT_MISSING, default LOG_ERROR. */
  contextMissing: ContextMissing;
  /** AWS_XRAY_LOG_LEVEL, default warn (xray-edge says only warnings and errors). */
  logLevel: LogLevel;
}

export type Env = Record<string, string | undefined>;

/** The process environment where there is one (Node, Bun, Deno 2, workerd with nodejs_compat). */
export function processEnv(): Env {
  try {
    return (globalThis as { process?: { env?: Env } }).process?.env ?? {};
  } catch {
    return {}; // Deno without --allow-env throws on access: no settings, the defaults apply
  }
}

/** A set variable's value, trimmed; undefined when unset or empty. */
export function envValue(env: Env, name: string): string | undefined {
  let raw: unknown;
  try {
    raw = env[name];
  } catch {
    return undefined; // Deno without --allow-env throws per variable read: the defaults apply
  }
  const value = typeof raw === "string" ? raw.trim() : undefined;
  return value ? value : undefined;
}

/** `name`'s value as one of `allowed` (case-insensitive), else `fallback` when unset; else throws. */
export function envChoice<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = envValue(env, name);
  if (value === undefined) return fallback;
  const found = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (found === undefined) throw new Error(`xray-edge: ${name}="${value}" is not valid: expected one of ${allowed.join(", ")}`);
  return found;
}

/** A `true`/`false` variable. */
export function envFlag(env: Env, name: string, fallback: boolean): boolean {
  return envChoice(env, name, ["true", "false"], fallback ? "true" : "false") === "true";
}

/** AWS_XRAY_LOG_LEVEL's accepted values. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

/** What applies when a variable is unset. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({ enabled: true, contextMissing: "LOG_ERROR", logLevel: "warn" });

export function readSettings(env: Env = processEnv()): Settings {
  return {
    enabled: envFlag(env, "AWS_XRAY_SDK_ENABLED", DEFAULT_SETTINGS.enabled),
    contextMissing: envChoice(
      env,
      "AWS_XRAY_CONTEXT_MISSING",
      ["LOG_ERROR", "RUNTIME_ERROR", "IGNORE_ERROR"],
      DEFAULT_SETTINGS.contextMissing,
    ),
    logLevel: envChoice(env, "AWS_XRAY_LOG_LEVEL", LOG_LEVELS, DEFAULT_SETTINGS.logLevel),
  };
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Whether a message of `level` is said under the setting `threshold`. */
export function says(threshold: LogLevel, level: "warn" | "error"): boolean {
  return RANK[level] >= RANK[threshold];
}

/** A Logger for the tracer that honours AWS_XRAY_LOG_LEVEL (its messages are warnings). */
export function levelLogger(threshold: LogLevel): Logger {
  return {
    warn(message) {
      if (says(threshold, "warn")) console.warn(`[xray-edge] ${message}`);
    },
  };
}
