/**
 * Weeks and percentiles for delivery metrics (docs/delivery-metrics.md). A week is the ISO week, Monday 00:00 UTC,
 * named by that day (`2026-11-30`). Percentiles are nearest-rank: the value at rank ⌈p·n⌉ of the sorted values, so
 * every figure is a duration that happened, and a hand count over a small seed gives exactly what Attest shows.
 */
const DAY_MS = 86_400_000;

export function weekOf(instant: string | Date): string {
  const at = typeof instant === 'string' ? new Date(instant) : instant;
  const day = (at.getUTCDay() + 6) % 7;
  const monday = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()) - day * DAY_MS;
  return new Date(monday).toISOString().slice(0, 10);
}

/** The instant a week starts (Monday 00:00 UTC). */
export function weekStart(week: string): string {
  return `${week}T00:00:00.000Z`;
}

/** The `count` weeks ending with the one holding `now`, oldest first. */
export function weeksEnding(now: Date, count: number): string[] {
  const last = Date.parse(weekStart(weekOf(now)));
  return Array.from({ length: count }, (_, i) => new Date(last - (count - 1 - i) * 7 * DAY_MS).toISOString().slice(0, 10));
}

/** The weeks from the one holding `since` to the one holding `now`. */
export function weeksSince(since: Date, now: Date): string[] {
  const first = Date.parse(weekStart(weekOf(since)));
  const last = Date.parse(weekStart(weekOf(now)));
  return weeksEnding(now, Math.max(1, Math.round((last - first) / (7 * DAY_MS)) + 1));
}

export function minutesBetween(from: string, to: string): number {
  return Math.max(0, Math.floor((Date.parse(to) - Date.parse(from)) / 60_000));
}

export interface Percentiles {
  n: number;
  median: number | null;
  p85: number | null;
}

export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? null;
  return { n: sorted.length, median: sorted.length === 0 ? null : rank(0.5), p85: sorted.length === 0 ? null : rank(0.85) };
}
