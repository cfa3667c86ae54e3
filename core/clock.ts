/** Epoch seconds, fractional. The core never reads a clock: every time is passed in. */
export type Clock = () => number;

type Hrtime = { bigint?: () => bigint };
type Globals = { process?: { hrtime?: Hrtime }; Bun?: unknown; Deno?: unknown };

/**
 * The best microsecond wall clock of this runtime, chosen on first use so that importing costs
 * nothing. On Node, perf_hooks initializes on first touch (2.3 ms of cold start) and
 * performance.now() costs 95 ns a call against 57 ns for hrtime; on Bun and Deno performance.now()
 * is the cheaper one (.tmp/clk.mjs and .tmp/st5.mjs in the session that chose this). Date.now()
 * (milliseconds only) is the last resort.
 */
function pick(): Clock {
  const g = globalThis as Globals;
  const hr = g.process?.hrtime?.bigint;
  if (typeof hr === "function" && g.Bun === undefined && g.Deno === undefined) {
    const base = Date.now() / 1000;
    const start = hr();
    return () => base + Number(hr() - start) / 1e9;
  }
  if (typeof performance !== "undefined" && typeof performance.now === "function" && performance.timeOrigin > 0) {
    const origin = performance.timeOrigin;
    return () => (origin + performance.now()) / 1000;
  }
  return () => Date.now() / 1000;
}

let clock: Clock = () => (clock = pick())();

/** The system clock: epoch seconds with microseconds where the runtime has them. */
export const systemClock: Clock = () => clock();
