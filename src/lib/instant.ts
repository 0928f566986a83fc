/**
 * Bitbucket Cloud writes date-times as `2026-11-24T13:14:48.599872+00:00`: microseconds and a numeric
 * offset (every date-time example in Atlassian's OpenAPI document for REST 2.0, and the recorded responses
 * in test/fixtures/bitbucket-recorded/). Forge events, our clock and older fixtures write `…Z` with 0 or 3
 * fractional digits. Anything the app keys, compares or stores is first brought to one form: UTC,
 * milliseconds, `Z` (`Date#toISOString`). That form sorts as text and fits a KVS key, whose pattern
 * ^(?!\s+$)[a-zA-Z0-9:._\s-#]+$ has no `+` (https://developer.atlassian.com/platform/forge/limits-kvs-ce/).
 */

/** An ISO 8601 date-time with a `Z` or ±hh:mm offset and 0–9 fractional digits. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})$/;

/** The instant a Bitbucket (or Forge) date-time names, as `YYYY-MM-DDTHH:MM:SS.mmmZ`; null when it is not one. */
export function toInstant(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  const match = DATE_TIME.exec(value.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction = '', offset] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  // Keep milliseconds only: Date.parse's handling of more than three digits is engine-specific.
  const millis = fraction.padEnd(3, '0').slice(0, 3);
  const zone = offset === 'Z' ? 'Z' : `${offset.slice(0, 3)}:${offset.slice(-2)}`;
  const parsed = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${zone}`);
  if (Number.isNaN(parsed)) return null;
  // Reject dates that Date silently rolls over (2026-02-30 → March 2).
  const check = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (check.getUTCMonth() !== Number(month) - 1 || check.getUTCDate() !== Number(day)) return null;
  return new Date(parsed).toISOString();
}

/** Like `toInstant`, for values that must be date-times: throws an error naming the field. */
export function requireInstant(value: string | null | undefined, field: string): string {
  const instant = toInstant(value);
  if (instant === null) throw new Error(`${field} is not an ISO 8601 date-time: ${JSON.stringify(value)}`);
  return instant;
}

/** Milliseconds since the epoch of a date-time, or NaN. */
export function instantMs(value: string | null | undefined): number {
  const instant = toInstant(value);
  return instant === null ? Number.NaN : Date.parse(instant);
}
