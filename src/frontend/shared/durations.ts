/** Durations and shares as people read them: minutes under an hour, hours under two days, days beyond. */
export function duration(minutes: number | null): string {
  if (minutes === null) return '–';
  if (minutes < 60) return `${minutes} min`;
  return minutes < 48 * 60 ? `${(minutes / 60).toFixed(1)} h` : `${(minutes / 1440).toFixed(1)} d`;
}

export function share(value: number | null): string {
  return value === null ? '–' : `${Math.round(value * 100)}%`;
}

/** Hours with one decimal, for charts (null stays out of the chart). */
export function hoursOf(minutes: number | null): number | null {
  return minutes === null ? null : Math.round((minutes / 60) * 10) / 10;
}
