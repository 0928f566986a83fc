/**
 * Scores, outcome counts and the per-framework view (docs/controls.md "Score", "Framework mapping").
 * Weights: critical 10, high 5, medium 3, low 1. A subject's score is
 * round(100 × Σ weight(pass or excepted fail) ÷ Σ weight(pass or fail)); null when nothing counts.
 */
import { CATALOGUE, controlById } from '../controls';
import type { OutcomeCounts } from '../controls/outcome';
import type { Result, Severity } from '../controls/types';

export const WEIGHTS: Record<Severity, number> = { critical: 10, high: 5, medium: 3, low: 1 };

export type { OutcomeCounts };

export function emptyCounts(): OutcomeCounts {
  return { pass: 0, fail: 0, 'not-evaluable': 0, 'not-applicable': 0 };
}

/** What the totals need of a result: its control, its outcome, and whether a fail is excepted. */
export type Counted = Pick<Result, 'control' | 'outcome'> & { exception?: { expired: boolean } };

export function countOutcomes(results: readonly Counted[], into: OutcomeCounts = emptyCounts()): OutcomeCounts {
  for (const result of results) into[result.outcome]++;
  return into;
}

export function isExcepted(result: Counted): boolean {
  return result.outcome === 'fail' && result.exception !== undefined && !result.exception.expired;
}

export function score(results: readonly Counted[]): number | null {
  let met = 0;
  let counted = 0;
  for (const result of results) {
    if (result.outcome !== 'pass' && result.outcome !== 'fail') continue;
    const control = controlById(result.control);
    if (!control) continue;
    const weight = WEIGHTS[control.severity];
    counted += weight;
    if (result.outcome === 'pass' || isExcepted(result)) met += weight;
  }
  return counted === 0 ? null : Math.round((100 * met) / counted);
}

export interface FrameworkItem {
  framework: 'soc2' | 'iso27001' | 'cis';
  id: string;
  controls: string[];
  outcomes: OutcomeCounts;
  /** `met` when every counted result passes (or is excepted), `gaps` when any fails, `unknown` otherwise. */
  status: 'met' | 'gaps' | 'unknown';
}

export function frameworkView(results: readonly Counted[]): FrameworkItem[] {
  const items = new Map<string, FrameworkItem>();
  for (const control of CATALOGUE) {
    for (const framework of ['soc2', 'iso27001', 'cis'] as const) {
      for (const id of control.frameworks[framework]) {
        const key = `${framework}:${id}`;
        const item = items.get(key) ?? { framework, id, controls: [], outcomes: emptyCounts(), status: 'unknown' as const };
        item.controls.push(control.id);
        items.set(key, item);
      }
    }
  }
  for (const item of items.values()) {
    const relevant = results.filter((result) => item.controls.includes(result.control));
    countOutcomes(relevant, item.outcomes);
    const failing = relevant.some((result) => result.outcome === 'fail' && !isExcepted(result));
    item.status = failing
      ? 'gaps'
      : item.outcomes.pass + relevant.filter(isExcepted).length > 0 && item.outcomes['not-evaluable'] === 0
        ? 'met'
        : 'unknown';
  }
  return [...items.values()].sort(
    (a, b) => a.framework.localeCompare(b.framework) || a.id.localeCompare(b.id, undefined, { numeric: true }),
  );
}
