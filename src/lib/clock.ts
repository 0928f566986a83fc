/**
 * The current time for the app. On Forge this is the system clock. The local runtime (local/runtime)
 * runs hours of scheduled scans in seconds on a simulated clock, which it publishes per process as
 * `globalThis.__attest_clock__`; reading it at call time (never caching it in a module) keeps warm Forge
 * runtimes free of module state.
 */
interface ClockHolder {
  __attest_clock__?: { now(): number };
}

export function now(): Date {
  const simulated = (globalThis as ClockHolder).__attest_clock__;
  return new Date(simulated ? simulated.now() : Date.now());
}
