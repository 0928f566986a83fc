/**
 * The pull-request checks of docs/controls.md ("Pull-request checks"), shared by the merge check and the
 * pull-request card: the registry, its evaluation and the merge decision. Each check is one file, pure: the
 * pull request, its statuses (or the error that stopped us reading them), the head's arrival and the policy in;
 * a verdict out.
 */
import type { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import type { Policy } from '../policy/policy';
import { approved } from './approved';
import { build } from './build';
import type { HeadArrival } from './head-arrival';
import { issueKey } from './issue-key';
import { noChangesRequested } from './no-changes-requested';
import { securityReports } from './security-reports';
import type { HeadCommitReports, PullRequestCheck, PullRequestCheckDefinition, PullRequestCheckId } from './types';

export { needsHeadArrival } from './approved';
export { newestStatusPerKey } from './build';
export type { HeadCommitReports, PullRequestCheck, PullRequestCheckId } from './types';

/** Every pull-request check, in the order the merge check and the card show them. */
export const PULL_REQUEST_CHECKS: readonly PullRequestCheckDefinition[] = [approved, build, noChangesRequested, issueKey, securityReports];

export const PULL_REQUEST_CHECK_TITLES = Object.fromEntries(PULL_REQUEST_CHECKS.map((check) => [check.id, check.title])) as Record<
  PullRequestCheckId,
  string
>;

/** What the checks read besides the pull request: `head` and `reports` are null when they were not read. */
export interface CheckInputs {
  statuses: readonly CommitStatus[] | BitbucketError;
  head?: HeadArrival | null;
  reports?: HeadCommitReports | BitbucketError | null;
}

export function evaluatePullRequestChecks(pr: PullRequest, inputs: CheckInputs, policy: Policy): PullRequestCheck[] {
  const subject = { pr, statuses: inputs.statuses, head: inputs.head ?? null, reports: inputs.reports ?? null };
  return PULL_REQUEST_CHECKS.map((check) => ({ id: check.id, title: check.title, ...check.evaluate(subject, policy) }));
}

export interface MergeDecision {
  success: boolean;
  message: string;
}

/** `success` only when every enabled check passes; each failing check is one short plain line. */
export function mergeDecision(checks: readonly PullRequestCheck[], policy: Policy): MergeDecision {
  const failing = checks.filter((check) => check.outcome === 'fail');
  const unknown = checks.filter((check) => check.outcome === 'not-evaluable');
  if (failing.length === 0 && unknown.length === 0) {
    return { success: true, message: 'All Attest checks passed.' };
  }
  // One short plain line per failing check ("Needs 1 more approval from someone other than the author.").
  const sentence = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}.`;
  const lines = [
    ...failing.map((check) => sentence(check.message)),
    ...unknown.map((check) => `${check.title} could not be checked: ${check.message}.`),
  ];
  if (failing.length === 0 && policy.mergeCheckOnError === 'allow') {
    return { success: true, message: ['Allowed by policy although not everything could be checked.', ...lines].join('\n') };
  }
  return { success: false, message: lines.join('\n') };
}
