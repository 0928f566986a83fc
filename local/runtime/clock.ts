/**
 * The simulated clock shared by the emulator and the local runtime, so hours of scheduled scans run in
 * seconds. It starts at a given instant and only moves when told to.
 */
export interface Clock {
  now(): number;
}

export class SimClock implements Clock {
  private current: number;

  /**
   * `realSleep`: waits (retry backoff) also pass in real time. The CLI sets it when it talks to the real
   * Bitbucket, whose rate limit runs on real time; tests and the demo move the simulated clock only.
   */
  constructor(
    start: number | Date = Date.UTC(2026, 10, 22, 9, 0, 0),
    private readonly realSleep = false,
  ) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  async sleep(ms: number): Promise<void> {
    if (this.realSleep) await new Promise((resolve) => setTimeout(resolve, ms));
    this.current += Math.max(0, ms);
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`cannot move the clock by ${ms} ms`);
    this.current += ms;
  }

  /** Moves forward to `instant`; never backwards. */
  advanceTo(instant: number): void {
    if (instant > this.current) this.current = instant;
  }
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * The wall clock, for `attest scan` and `attest evidence` against a real Bitbucket: timestamps are real, and
 * a wait (a retry after a 429) takes the time it says. It cannot be moved; the runtime delivers the app's
 * own planned queue delays early instead (RuntimeOptions.queue.skipPlannedDelays).
 */
export class WallClock implements Clock {
  now(): number {
    return Date.now();
  }

  async sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}
