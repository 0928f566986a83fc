/**
 * Times as people read them: relative when recent ("2 hours ago"), a date in the viewer's own locale and time zone
 * otherwise, and the exact time in their zone for a tooltip. Forge gives every module the viewer's `locale` and
 * `timezone` in its context (`FullContext` in @forge/bridge out/types.d.ts; https://developer.atlassian.com/platform/forge/apis-reference/ui-api-bridge/view/#getcontext).
 */

/** The viewer's locale and time zone; Forge's locale codes use `_` (`en_US`), Intl wants `-`. */
export interface Viewer {
  locale: string;
  timeZone: string;
}

const FALLBACK: Viewer = { locale: 'en-US', timeZone: 'UTC' };

function supported(locale: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false;
  }
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The viewer from a module's context; what is missing or unknown falls back to US English in UTC. */
export function viewerOf(context: { locale?: unknown; timezone?: unknown } | undefined | null): Viewer {
  const locale = typeof context?.locale === 'string' ? context.locale.replace('_', '-') : '';
  const zone = typeof context?.timezone === 'string' ? context.timezone : '';
  return {
    locale: locale && supported(locale) ? locale : FALLBACK.locale,
    timeZone: zone && validZone(zone) ? zone : FALLBACK.timeZone,
  };
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['second', 1000],
  ['minute', 60_000],
  ['hour', 3_600_000],
  ['day', 86_400_000],
];

/** `2 hours ago`, `in 5 minutes`, `yesterday` (within a week); else the date, as the viewer writes dates. */
export function when(iso: string | null | undefined, viewer: Viewer, now: number = Date.now()): string {
  if (!iso) return 'never';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return 'unknown';
  const elapsed = at - now;
  if (Math.abs(elapsed) < 45_000) return 'just now';
  if (Math.abs(elapsed) < 7 * 86_400_000) {
    const [unit, size] = [...UNITS].reverse().find(([, ms]) => Math.abs(elapsed) >= ms) ?? (['second', 1000] as const);
    return new Intl.RelativeTimeFormat(viewer.locale, { numeric: 'auto' }).format(Math.round(elapsed / size), unit);
  }
  return day(iso, viewer);
}

/** The date alone (`Nov 22, 2026`), in the viewer's zone. */
export function day(iso: string, viewer: Viewer): string {
  return new Intl.DateTimeFormat(viewer.locale, { dateStyle: 'medium', timeZone: viewer.timeZone }).format(new Date(iso));
}

/** The exact time, for the tooltip beside a relative one: `Nov 22, 2026, 9:09 AM GMT+1`. */
export function exactly(iso: string | null | undefined, viewer: Viewer): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '';
  return new Intl.DateTimeFormat(viewer.locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone: viewer.timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}
