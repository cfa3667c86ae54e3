/**
 * What aws-xray-sdk-core keeps per process, kept here once: the logger (`setLogger`), the
 * automatic or manual mode, the context-missing strategy, the daemon address and the tracer that
 * records on xray-edge's core. Each setter checks its argument and throws on a malformed one,
 * naming it and the form it takes (the peer throws for these too); nothing else here throws.
 */
import { Tracer } from "../host/index.ts";
import type { Logger as CoreLogger } from "../../core/log.ts";
import type { Emitter } from "../../core/emitter.ts";
import { createUdpEmitter } from "../udp/emitter.ts";
import { parseDaemonAddress } from "../udp/address.ts";
import { settings } from "../context/storage.ts";
import { envValue, processEnv } from "../context/settings.ts";

/** aws-xray-sdk-core's Logger: four levels, each taking a message. */
export interface Logger {
  debug(...args: any[]): any;
  info(...args: any[]): any;
  warn(...args: any[]): any;
  error(...args: any[]): any;
}

export type ContextMissingStrategy = "LOG_ERROR" | "RUNTIME_ERROR" | "IGNORE_ERROR" | ((msg: string) => void);

const LEVELS = ["debug", "info", "warn", "error"] as const;
const RANK = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 } as const;

/** The default logger: console, from AWS_XRAY_LOG_LEVEL's level up (the variable xray-edge checks at import). */
function consoleLogger(): Logger {
  const threshold = RANK[settings().logLevel];
  const at = (level: (typeof LEVELS)[number]) =>
    RANK[level] >= threshold
      ? (message: unknown) => {
          try {
            console[level](`[xray-edge/sdk-core] ${String(message)}`);
          } catch {
            // tracing never breaks the program
          }
        }
      : () => {};
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

interface State {
  logger: Logger | undefined;
  automatic: boolean;
  strategy: Exclude<ContextMissingStrategy, string> | "LOG_ERROR" | "RUNTIME_ERROR" | "IGNORE_ERROR" | undefined;
  /** setDaemonAddress's value, when called (AWS_XRAY_DAEMON_ADDRESS, when set, wins, as with the peer). */
  daemonAddress: string | undefined;
  emitter: Emitter | undefined;
  tracer: Tracer | undefined;
  said: Set<string>;
}

const state: State = {
  logger: undefined,
  automatic: true,
  strategy: undefined,
  daemonAddress: undefined,
  emitter: undefined,
  tracer: undefined,
  said: new Set(),
};

export function getLogger(): Logger {
  return (state.logger ??= consoleLogger());
}

/** Replaces the logger every message goes through (the tracer's warnings included). */
export function setLogger(logObj: Logger): void {
  const o = logObj as unknown as Record<string, unknown> | null;
  if (o === null || typeof o !== "object" || !LEVELS.every((l) => typeof o[l] === "function"))
    throw new TypeError("setLogger: expected a logger object with debug, info, warn and error methods");
  state.logger = logObj;
}

/** Calls the logger without letting it throw into tracing's callers. */
export function log(level: (typeof LEVELS)[number], message: string): void {
  try {
    getLogger()[level](message);
  } catch {
    // a failing logger must not break the program
  }
}

/** Says `message` once per `kind` (per process), at `level`. */
export function logOnce(kind: string, level: (typeof LEVELS)[number], message: string): void {
  if (state.said.has(kind) || state.said.size >= 256) return;
  state.said.add(kind);
  log(level, message);
}

/** AWS_XRAY_SDK_ENABLED (checked when the module loaded): false makes tracing a no-op that user code cannot tell from an unsampled trace. */
export const enabled = (): boolean => settings().enabled;

export const isLambda = (): boolean => envValue(processEnv(), "LAMBDA_TASK_ROOT") !== undefined;

export function isAutomaticMode(): boolean {
  return state.automatic;
}

export function enableAutomaticMode(): void {
  state.automatic = true;
}

/** Manual mode: no context; parents are passed explicitly. In Lambda it is refused with a warning, as by the peer. */
export function enableManualMode(): void {
  if (isLambda()) return log("warn", "AWS Lambda does not support AWS X-Ray manual mode.");
  state.automatic = false;
}

const STRATEGIES = ["LOG_ERROR", "RUNTIME_ERROR", "IGNORE_ERROR"] as const;

/**
 * What a call that needs the current segment does without one. AWS_XRAY_CONTEXT_MISSING, when set
 * (checked when the module loaded), wins: the call is then ignored with a warning, as by the peer.
 */
export function setContextMissingStrategy(strategy: ContextMissingStrategy): void {
  if (typeof strategy === "string") {
    const found = STRATEGIES.find((s) => s === strategy.toUpperCase());
    if (!found)
      throw new Error(`setContextMissingStrategy: invalid strategy "${strategy}": expected one of ${STRATEGIES.join(", ")} or a function`);
    if (envOverrides()) return;
    state.strategy = found;
  } else if (typeof strategy === "function") {
    if (envOverrides()) return;
    state.strategy = strategy;
  } else {
    throw new TypeError(
      "setContextMissingStrategy: expected one of LOG_ERROR, RUNTIME_ERROR, IGNORE_ERROR or a function (message) => void",
    );
  }
}

function envOverrides(): boolean {
  if (envValue(processEnv(), "AWS_XRAY_CONTEXT_MISSING") === undefined) return false;
  log("warn", "Ignoring call to setContextMissingStrategy as AWS_XRAY_CONTEXT_MISSING is set.");
  return true;
}

/**
 * The context is missing: LOG_ERROR logs (once per kind of message), RUNTIME_ERROR throws (what
 * that strategy asks for, as with the peer), IGNORE_ERROR does nothing, a function is called
 * (what it throws reaches the caller, as the peer lets it).
 */
export function contextMissing(message: string): void {
  if (!enabled()) return; // tracing is off: nothing is missing
  const strategy = state.strategy ?? settings().contextMissing;
  if (typeof strategy === "function") return strategy(message);
  if (strategy === "RUNTIME_ERROR") throw new Error(message);
  if (strategy === "LOG_ERROR") logOnce(`missing:${message}`, "error", message);
}

/**
 * Where documents go, as aws-xray-sdk-core's setDaemonAddress: `host:port` or
 * `udp:host:port tcp:host:port`. Throws on a malformed address (so does the peer); ignored with a
 * warning while AWS_XRAY_DAEMON_ADDRESS is set.
 */
export function setDaemonAddress(address: string): void {
  if (typeof address !== "string") throw new TypeError("setDaemonAddress: expected a string host:port or udp:host:port tcp:host:port");
  try {
    parseDaemonAddress(address);
  } catch (error) {
    throw new Error(
      `setDaemonAddress: ${(error as Error).message.replace(/^xray-edge: /, "").replace("AWS_XRAY_DAEMON_ADDRESS ", "address ")}`,
    );
  }
  if (envValue(processEnv(), "AWS_XRAY_DAEMON_ADDRESS") !== undefined)
    return log("warn", "Ignoring call to setDaemonAddress as AWS_XRAY_DAEMON_ADDRESS is set.");
  state.daemonAddress = address;
  state.emitter = undefined; // the next send opens a socket to the new address
}

/** The tracer's logger: its warnings (refused values, transport failures) go to setLogger's logger, whose default adds the prefix. */
const tracerLogger: CoreLogger = { warn: (message) => log("warn", message) };

/** Forwards to the emitter of the current daemon address (setDaemonAddress may change it). */
const emitter: Emitter = {
  send(datagram) {
    try {
      state.emitter ??= createUdpEmitter({ address: state.daemonAddress, logger: tracerLogger });
      state.emitter.send(datagram);
    } catch {
      // an emitter never throws; one that could not be made loses this datagram (the tracer counts sends)
    }
  },
  flush() {
    return state.emitter ? state.emitter.flush() : Promise.resolve();
  },
};

/** The one tracer every Segment and Subsegment records on. */
export function tracer(): Tracer {
  return (state.tracer ??= new Tracer({ emitter, logger: tracerLogger }));
}
