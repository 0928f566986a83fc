/**
 * When scheduled triggers run. Forge spreads runs over the interval per installation rather than on the hour,
 * and a run can happen twice (https://developer.atlassian.com/platform/forge/manifest-reference/modules/scheduled-trigger/):
 * each installation gets a fixed offset into the interval, and now and then (`duplicateRate`, seeded) a second
 * run a few minutes after the first.
 */
import { INTERVAL_MS } from './manifest';
import type { Installation } from './types';

export interface ScheduleOptions {
  /** Spread runs over the interval per installation (default), or run them on the boundary. */
  spread?: boolean;
  /** The share of runs that happen twice (default 5 %). */
  duplicateRate?: number;
}

export interface ScheduledRun {
  at: number;
  installation: Installation;
  interval: 'hour' | 'day';
}

/** A number in [0, 1) from a text, the same every time (FNV-1a). */
function fraction(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619) >>> 0;
  return hash / 2 ** 32;
}

/** Each installation's runs of one interval in (start, end], in time order. */
export function scheduledRuns(
  installations: Iterable<Installation>,
  window: { interval: 'hour' | 'day'; start: number; end: number },
  options: ScheduleOptions & { random: () => number },
): ScheduledRun[] {
  const { interval, start, end } = window;
  const period = INTERVAL_MS[interval];
  const spread = options.spread ?? true;
  const duplicateRate = options.duplicateRate ?? 0.05;
  const runs: ScheduledRun[] = [];
  for (const installation of installations) {
    const offset = spread ? Math.floor(fraction(`${installation.workspaceUuid}:${interval}`) * (period - 60_000)) : 0;
    for (let boundary = Math.floor(start / period) * period; boundary + offset <= end; boundary += period) {
      const at = boundary + offset;
      if (at <= start) continue;
      runs.push({ at, installation, interval });
      if (options.random() < duplicateRate)
        runs.push({ at: Math.min(end, at + 60_000 + Math.floor(options.random() * 240_000)), installation, interval });
    }
  }
  return runs.sort((a, b) => a.at - b.at);
}
