/**
 * Figures for a set of repository-weeks (one repository, a project, the workspace; one week or a window). The same
 * function makes every figure the dashboard, the repository card and `attest metrics` show, so they agree.
 */
import { z } from 'zod';
import { percentiles, type Percentiles } from './weeks';
import type { RepositoryWeek } from './weekly';

export const PercentilesShape = z.object({ n: z.number().int(), median: z.number().nullable(), p85: z.number().nullable() });

/**
 * Whether deployments can be measured: `measured`; `no-production` (no repository read has a Production
 * environment: this workspace does not deploy with Bitbucket Deployments, and DORA is not shown as zeros);
 * `unread` (deployments not read yet, or refused).
 */
export const DeploymentCoverage = z.enum(['measured', 'no-production', 'unread']);
export type DeploymentCoverage = z.infer<typeof DeploymentCoverage>;

export const FlowFigures = z.object({
  weeks: z.number().int(),
  opened: z.number().int(),
  merged: z.number().int(),
  mergedProtected: z.number().int(),
  declined: z.number().int(),
  independentShare: z.number().nullable(),
  firstReviewMinutes: PercentilesShape,
  approvalMinutes: PercentilesShape,
  cycleMinutes: PercentilesShape,
  reviewers: z.number().int(),
  reviewsPerReviewerPerWeek: z.number().nullable(),
  rubberStamps: z.number().int(),
  rubberStampUnknown: z.number().int(),
  deployments: z.number().int(),
  deploymentsPerWeek: z.number().nullable(),
  deploymentFailures: z.number().int(),
  changeFailures: z.number().int(),
  changeFailureRate: z.number().nullable(),
  leadTimeMinutes: PercentilesShape,
  restoreMinutes: PercentilesShape,
});
export type FlowFigures = z.infer<typeof FlowFigures>;

const round2 = (value: number) => Math.round(value * 100) / 100;

/** Pools rows (any repositories, any weeks) into figures; `weeks` is the window's length in weeks. */
export function figuresOf(rows: readonly RepositoryWeek[], weeks: number): FlowFigures {
  const sum = (pick: (row: RepositoryWeek) => number) => rows.reduce((total, row) => total + pick(row), 0);
  const pool = (pick: (row: RepositoryWeek) => readonly number[]): Percentiles => percentiles(rows.flatMap((row) => [...pick(row)]));
  // Reviews per reviewer per week: each week's reviews over that week's distinct reviewers, averaged over weeks with reviews.
  const byWeek = new Map<string, Map<string, number>>();
  for (const row of rows) {
    const week = byWeek.get(row.week) ?? new Map<string, number>();
    for (const [who, count] of Object.entries(row.reviews)) week.set(who, (week.get(who) ?? 0) + count);
    byWeek.set(row.week, week);
  }
  const perWeek = [...byWeek.values()]
    .filter((week) => week.size > 0)
    .map((week) => [...week.values()].reduce((a, b) => a + b, 0) / week.size);
  const reviewers = new Set([...byWeek.values()].flatMap((week) => [...week.keys()])).size;
  const mergedProtected = sum((row) => row.mergedProtected);
  const deployments = sum((row) => row.deployments);
  const changeFailures = sum((row) => row.changeFailures);
  return {
    weeks,
    opened: sum((row) => row.opened),
    merged: sum((row) => row.merged),
    mergedProtected,
    declined: sum((row) => row.declined),
    independentShare: mergedProtected === 0 ? null : round2(sum((row) => row.independent) / mergedProtected),
    firstReviewMinutes: pool((row) => row.firstReview),
    approvalMinutes: pool((row) => row.approval),
    cycleMinutes: pool((row) => row.cycle),
    reviewers,
    reviewsPerReviewerPerWeek: perWeek.length === 0 ? null : round2(perWeek.reduce((a, b) => a + b, 0) / perWeek.length),
    rubberStamps: sum((row) => row.rubberStamps),
    rubberStampUnknown: sum((row) => row.rubberStampUnknown),
    deployments,
    deploymentsPerWeek: weeks === 0 ? null : round2(deployments / weeks),
    deploymentFailures: sum((row) => row.deploymentFailures),
    changeFailures,
    changeFailureRate: deployments === 0 ? null : round2(changeFailures / deployments),
    leadTimeMinutes: pool((row) => row.leadTime),
    restoreMinutes: pool((row) => row.restore),
  };
}

/** Coverage of a set of repositories: measured if any has production deployments read, else why not. */
export function coverageOf(each: readonly DeploymentCoverage[]): DeploymentCoverage {
  if (each.includes('measured')) return 'measured';
  if (each.length > 0 && each.every((coverage) => coverage === 'no-production')) return 'no-production';
  return 'unread';
}

/** BB-FLOW-1 (advisory): median time to first review within `maxReviewHours`; not-applicable when unset or nothing was reviewed. */
export function reviewAdvisory(
  figures: FlowFigures,
  maxReviewHours: number | null,
): { outcome: 'pass' | 'fail' | 'not-applicable'; detail: string } {
  if (maxReviewHours === null) return { outcome: 'not-applicable', detail: 'No time-to-first-review threshold is set (maxReviewHours).' };
  const median = figures.firstReviewMinutes.median;
  if (median === null) return { outcome: 'not-applicable', detail: 'No pull request was reviewed in the window.' };
  const hours = Math.round((median / 60) * 10) / 10;
  return median <= maxReviewHours * 60
    ? { outcome: 'pass', detail: `Median time to first review ${hours} h, within ${maxReviewHours} h.` }
    : { outcome: 'fail', detail: `Median time to first review ${hours} h, over ${maxReviewHours} h.` };
}
