/**
 * The simulated clock shared by the emulator and the local runtime, so hours of scheduled scans run in
 * seconds. It starts at a given instant and only moves when told to.
 */
export interface Clock {
  now(): number;
}

export class SimClock implements Clock {
  private current: number;

  constructor(start: number | Date = Date.UTC(2026, 10, 22, 9, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
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
