/**
 * A monotonic clock in milliseconds, for timers and pacing (never for timestamps: those are the
 * platform's epoch clock, platform.ts). On Node, process.hrtime.bigint: Node's global `performance`
 * is a getter that loads perf_hooks on first touch, about 2 ms of a cold start, even for `typeof
 * performance`. On Bun and Deno performance.now(), cheap there; else Date.now (not monotonic).
 */
type Clocks = {
  process?: { hrtime?: { bigint?: () => bigint } };
  performance?: { now(): number };
  Bun?: unknown;
  Deno?: unknown;
};

export function monotonicMs(): () => number {
  const g = globalThis as Clocks;
  const hr = g.process?.hrtime?.bigint;
  if (typeof hr === "function" && g.Bun === undefined && g.Deno === undefined) return () => Number(hr()) / 1e6;
  const p = g.performance;
  return typeof p?.now === "function" ? () => p.now() : Date.now;
}
