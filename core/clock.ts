/** Epoch seconds, fractional. The core never reads a clock: every time is passed in. */
export type Clock = () => number;

/**
 * Microsecond-resolution wall clock: Date.now() only has milliseconds, so the monotonic
 * performance clock is added to the time origin. Falls back to Date.now() where `performance`
 * is missing.
 */
export const systemClock: Clock =
  typeof performance !== "undefined" && typeof performance.now === "function" && performance.timeOrigin > 0
    ? () => (performance.timeOrigin + performance.now()) / 1000
    : () => Date.now() / 1000;
