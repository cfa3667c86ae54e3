/** Epoch seconds, fractional. The core never reads a clock: every time is passed in. */
export type Clock = () => number;

/**
 * The web-standard clock: performance.now() from its time origin, with microseconds where the
 * runtime gives them, else Date.now(). adapters/host picks a cheaper one where the runtime has it
 * (process.hrtime on Node); this one is for platforms given no clock.
 */
function pick(): Clock {
  if (typeof performance !== "undefined" && typeof performance.now === "function" && performance.timeOrigin > 0) {
    const origin = performance.timeOrigin;
    return () => (origin + performance.now()) / 1000;
  }
  return () => Date.now() / 1000;
}

let clock: Clock = () => (clock = pick())();

/** Chosen on first use, so that importing costs nothing. */
export const webClock: Clock = () => clock();
