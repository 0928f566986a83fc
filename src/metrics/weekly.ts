/**
 * One repository's delivery metrics per week (docs/delivery-metrics.md), from its pull-request facts and its
 * production deployments. Each figure is attributed to the week its event happened: opened to the opening's
 * week, time to first review to the first review's, time to approval to the first approval's, open → merge,
 * independent approval and rubber stamps to the merge's, deployment figures to the deployment's completion.
 * Durations are whole minutes; the raw values are kept so a project's or the workspace's percentiles are exact.
 */
import { z } from 'zod';
import { globMatches } from '../lib/glob';
import { quickApprovals, type PullRequestFlow } from './flow-facts';
import { minutesBetween, weekOf } from './weeks';

export const RepositoryWeek = z.object({
  week: z.string(),
  opened: z.number().int(),
  merged: z.number().int(),
  /** Merged into a protected branch: the evidence ledger's population (BB-PR-1). */
  mergedProtected: z.number().int(),
  declined: z.number().int(),
  /** Of `mergedProtected`, approved by someone other than the author. */
  independent: z.number().int(),
  firstReview: z.array(z.number().int()),
  approval: z.array(z.number().int()),
  cycle: z.array(z.number().int()),
  /** Pull requests reviewed this week, by reviewer. */
  reviews: z.record(z.string(), z.number().int()),
  rubberStamps: z.number().int(),
  /** Merged with a quick approval whose diff size could not be read, or with pushes Attest could not see. */
  rubberStampUnknown: z.number().int(),
  deployments: z.number().int(),
  deploymentFailures: z.number().int(),
  changeFailures: z.number().int(),
  leadTime: z.array(z.number().int()),
  restore: z.array(z.number().int()),
});
export type RepositoryWeek = z.infer<typeof RepositoryWeek>;

/** A production deployment as kept: completed ones only (in progress and undeployed ones have no outcome yet). */
export const ProductionDeployment = z.object({
  uuid: z.string(),
  status: z.enum(['SUCCESSFUL', 'FAILED', 'STOPPED']),
  completedAt: z.string(),
  commit: z.string().nullable(),
});
export type ProductionDeployment = z.infer<typeof ProductionDeployment>;

export interface FlowRules {
  rubberStampMinutes: number;
  largeDiffLines: number;
  hotfixBranches: readonly string[];
}

function emptyWeek(week: string): RepositoryWeek {
  return {
    week,
    opened: 0,
    merged: 0,
    mergedProtected: 0,
    declined: 0,
    independent: 0,
    firstReview: [],
    approval: [],
    cycle: [],
    reviews: {},
    rubberStamps: 0,
    rubberStampUnknown: 0,
    deployments: 0,
    deploymentFailures: 0,
    changeFailures: 0,
    leadTime: [],
    restore: [],
  };
}

/**
 * Rows for the given weeks (oldest first); events outside them are left out, and so are events dated after `until`
 * (a clock ahead of Attest's: counted once their time has come, so a figure never includes the future).
 */
export function repositoryWeeks(
  input: { facts: readonly PullRequestFlow[]; deployments: readonly ProductionDeployment[] | null },
  window: { weeks: readonly string[]; until: Date },
  rules: FlowRules,
): RepositoryWeek[] {
  const rows = new Map(window.weeks.map((week) => [week, emptyWeek(week)]));
  const until = window.until.toISOString();
  const at = (instant: string | null) => (instant === null || instant > until ? undefined : rows.get(weekOf(instant)));
  for (const fact of input.facts) addPullRequest(fact, { at, rules });
  if (input.deployments) addDeployments(input, { at, rules });
  return [...rows.values()];
}

type WeekAt = (instant: string | null) => RepositoryWeek | undefined;

function firstOf(stamps: readonly { at: string }[]): string | null {
  return stamps.reduce<string | null>((min, stamp) => (min === null || stamp.at < min ? stamp.at : min), null);
}

function addPullRequest(fact: PullRequestFlow, ctx: { at: WeekAt; rules: FlowRules }): void {
  const { at, rules } = ctx;
  const opened = at(fact.createdAt);
  if (opened) opened.opened++;
  const firstReview = firstOf(fact.reviews);
  const firstApproval = firstOf(fact.approvals);
  if (fact.createdAt && firstReview) at(firstReview)?.firstReview.push(minutesBetween(fact.createdAt, firstReview));
  if (fact.createdAt && firstApproval) at(firstApproval)?.approval.push(minutesBetween(fact.createdAt, firstApproval));
  for (const review of fact.reviews) {
    const row = at(review.at);
    if (row) row.reviews[review.accountId] = (row.reviews[review.accountId] ?? 0) + 1;
  }
  const closed = at(fact.closedAt);
  if (!closed) return;
  if (fact.state === 'DECLINED') closed.declined++;
  if (fact.state !== 'MERGED') return;
  closed.merged++;
  if (fact.createdAt && fact.closedAt) closed.cycle.push(minutesBetween(fact.createdAt, fact.closedAt));
  if (fact.protectedDestination) {
    closed.mergedProtected++;
    if (fact.approvals.length > 0) closed.independent++;
  }
  const stamp = rubberStamp(fact, rules);
  if (stamp === true) closed.rubberStamps++;
  if (stamp === null) closed.rubberStampUnknown++;
}

/**
 * A rubber stamp: an approval within `rubberStampMinutes` of the last push on a diff of at least `largeDiffLines`.
 * Unknown (null) when an approval was quick but the diff size was not read, or the pushes were not seen.
 */
export function rubberStamp(fact: PullRequestFlow, rules: FlowRules): boolean | null {
  if (fact.approvals.length === 0) return false;
  if (fact.lastPushAt === null) return null;
  if (quickApprovals(fact, rules.rubberStampMinutes).length === 0) return false;
  if (fact.linesChanged === null) return null;
  return fact.linesChanged >= rules.largeDiffLines;
}

/** A revert (Bitbucket's "Revert …" title) or a hotfix branch merged into a protected branch. */
export function isRemediation(fact: PullRequestFlow, rules: FlowRules): boolean {
  if (fact.state !== 'MERGED' || !fact.protectedDestination) return false;
  if (/^revert\b/i.test(fact.title.trim())) return true;
  return fact.sourceBranch !== null && rules.hotfixBranches.some((pattern) => globMatches(pattern, fact.sourceBranch ?? ''));
}

/**
 * DORA from production deployments (docs/delivery-metrics.md): a deployment counts in its completion's week;
 * STOPPED ones (cancelled) are not attempts. A change failure is a FAILED production deployment, or a successful
 * one followed, before the next successful one, by a merged revert or hotfix; it is restored by the next
 * successful production deployment after it (after the remediation's merge, for one found by a remediation).
 * Lead time: pull request opened → the first successful production deployment completed at or after its merge.
 */
function addDeployments(
  input: { facts: readonly PullRequestFlow[]; deployments: readonly ProductionDeployment[] | null },
  ctx: { at: WeekAt; rules: FlowRules },
): void {
  const { at, rules } = ctx;
  const attempts = (input.deployments ?? [])
    .filter((d) => d.status !== 'STOPPED')
    .sort((a, b) => a.completedAt.localeCompare(b.completedAt));
  const successes = attempts.filter((d) => d.status === 'SUCCESSFUL');
  const nextSuccessAfter = (instant: string) => successes.find((d) => d.completedAt > instant) ?? null;
  const remediations = input.facts.filter((fact) => isRemediation(fact, rules) && fact.closedAt !== null);
  for (const deployment of attempts) {
    const row = at(deployment.completedAt);
    if (!row) continue;
    row.deployments++;
    let restoredFrom: string | null = null;
    if (deployment.status === 'FAILED') {
      row.deploymentFailures++;
      restoredFrom = deployment.completedAt;
    } else {
      const next = nextSuccessAfter(deployment.completedAt);
      const remedy = remediations.find(
        (fact) => (fact.closedAt ?? '') > deployment.completedAt && (next === null || (fact.closedAt ?? '') <= next.completedAt),
      );
      if (remedy) restoredFrom = remedy.closedAt;
    }
    if (restoredFrom === null) continue;
    row.changeFailures++;
    const restored = nextSuccessAfter(restoredFrom);
    if (restored) row.restore.push(minutesBetween(deployment.completedAt, restored.completedAt));
  }
  for (const fact of input.facts) {
    if (fact.state !== 'MERGED' || !fact.protectedDestination || !fact.createdAt || !fact.closedAt) continue;
    const closedAt = fact.closedAt;
    const deployed = successes.find((d) => d.completedAt >= closedAt);
    if (deployed) at(deployed.completedAt)?.leadTime.push(minutesBetween(fact.createdAt, deployed.completedAt));
  }
}
