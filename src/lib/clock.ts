/**
 * The current time for the app. On Forge this is the system clock. The local runtime (local/runtime)
 * runs hours of scheduled scans in seconds on a simulated clock, which it publishes per process as
 * `globalThis.__attest_clock__`; reading it at call time (never caching it in a module) keeps warm Forge
 * runtimes free of module state.
 */
interface ClockHolder {
  __attest_clock__?: { now(): number; sleep?(ms: number): Promise<void> };
}

export function now(): Date {
  const simulated = (globalThis as ClockHolder).__attest_clock__;
  return new Date(simulated ? simulated.now() : Date.now());
}

/** Waits `ms`: real time on Forge; on the local runtime's simulated clock, the clock moves instead. */
export function sleep(ms: number): Promise<void> {
  const simulated = (globalThis as ClockHolder).__attest_clock__;
  if (simulated?.sleep) return simulated.sleep(ms);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
