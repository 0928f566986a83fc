/**
 * The pull-request checks of docs/controls.md ("Pull-request checks"), shared by the merge check and the
 * pull-request card. Pure: the pull request, its statuses (or the error that stopped us reading them)
 * and the policy in; verdicts out.
 */
import type { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus, Participant, PullRequest } from '../bitbucket/schemas';
import type { HeadArrival } from './head-arrival';
import type { Outcome } from '../controls/outcome';
import { independentApprovers } from '../controls/approvals';
import type { Policy } from '../policy/policy';
import { instantMs } from '../lib/instant';

export type PullRequestCheckId = 'PR-APPROVED' | 'PR-BUILD' | 'PR-NO-CHANGES-REQUESTED' | 'PR-ISSUE-KEY';

export interface PullRequestCheck {
  id: PullRequestCheckId;
  title: string;
  outcome: Outcome;
  /** One short plain line: what holds, or what is missing. */
  message: string;
}

export const PULL_REQUEST_CHECK_TITLES: Record<PullRequestCheckId, string> = {
  'PR-APPROVED': 'Approved by someone other than the author',
  'PR-BUILD': 'The latest build passed',
  'PR-NO-CHANGES-REQUESTED': 'No reviewer requested changes',
  'PR-ISSUE-KEY': 'Title or source branch names an issue',
};

/** Whether the check needs to know when the head arrived: only when the approvals would otherwise suffice. */
export function needsHeadArrival(pr: PullRequest, policy: Policy): boolean {
  return (
    policy.requireApprovalOfHead &&
    policy.minApprovals > 0 &&
    independentApprovers(pr.participants, pr.author).length >= policy.minApprovals
  );
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
const nameOf = (p: Participant) => p.user?.display_name ?? 'a reviewer';

/** Sorts approvals by whether they were given after the head arrived: fresh, stale, or not knowable. */
function sortApprovals(approvers: readonly Participant[], head: Extract<HeadArrival, { kind: 'known' }>) {
  const fresh: Participant[] = [];
  const stale: Participant[] = [];
  const unsure: Participant[] = [];
  for (const approver of approvers) {
    const at = approver.participated_on ? instantMs(approver.participated_on) : Number.NaN;
    if (at >= head.at) fresh.push(approver);
    else if (!Number.isNaN(at) && head.exact) stale.push(approver);
    else unsure.push(approver);
  }
  return { fresh, stale, unsure };
}

function approvedOfHead(pr: PullRequest, policy: Policy, head: HeadArrival | null): Omit<PullRequestCheck, 'id' | 'title'> {
  const needed = policy.minApprovals;
  if (!head || head.kind === 'unknown')
    return {
      outcome: 'not-evaluable',
      message: `cannot tell whether the approvals came after the latest push: ${head?.reason ?? 'the activity log was not read'}`,
    };
  const { fresh, stale, unsure } = sortApprovals(independentApprovers(pr.participants, pr.author), head);
  if (fresh.length >= needed)
    return {
      outcome: 'pass',
      message: `approved since the latest push by ${plural(fresh.length, 'person', 'people')} other than the author`,
    };
  if (fresh.length + unsure.length >= needed)
    return {
      outcome: 'not-evaluable',
      message: `cannot tell whether ${unsure.map(nameOf).join(', ')} approved before or after the latest push`,
    };
  const missing = needed - fresh.length;
  return {
    outcome: 'fail',
    message: `needs ${plural(missing, 'more approval', 'more approvals')} of the latest commit: ${stale.map(nameOf).join(', ')} approved before the author pushed again`,
  };
}

function approvedCheck(pr: PullRequest, policy: Policy, head: HeadArrival | null): PullRequestCheck {
  const approvers = independentApprovers(pr.participants, pr.author);
  const needed = policy.minApprovals;
  const missing = Math.max(0, needed - approvers.length);
  const base = { id: 'PR-APPROVED' as const, title: PULL_REQUEST_CHECK_TITLES['PR-APPROVED'] };
  if (!pr.author) {
    return {
      ...base,
      outcome: 'not-evaluable',
      message: 'the pull request has no author account, so independent approval cannot be told apart',
    };
  }
  if (missing === 0 && needed > 0 && policy.requireApprovalOfHead) return { ...base, ...approvedOfHead(pr, policy, head) };
  if (missing === 0) {
    return {
      ...base,
      outcome: 'pass',
      message: `approved by ${plural(approvers.length, 'person', 'people')} other than the author`,
    };
  }
  return {
    ...base,
    outcome: 'fail',
    message: `needs ${missing} more approval${missing === 1 ? '' : 's'} from someone other than the author`,
  };
}

function timestampOf(status: CommitStatus): number {
  const value = instantMs(status.updated_on ?? status.created_on);
  return Number.isNaN(value) ? 0 : value;
}

/** For each status key, the newest status (a newer status of the same key supersedes an older one). */
export function newestStatusPerKey(statuses: readonly CommitStatus[]): CommitStatus[] {
  const newest = new Map<string, CommitStatus>();
  for (const status of statuses) {
    const current = newest.get(status.key);
    if (!current || timestampOf(status) >= timestampOf(current)) newest.set(status.key, status);
  }
  return [...newest.values()].sort((a, b) => a.key.localeCompare(b.key));
}

function buildCheck(pr: PullRequest, statuses: readonly CommitStatus[] | BitbucketError): PullRequestCheck {
  const base = { id: 'PR-BUILD' as const, title: PULL_REQUEST_CHECK_TITLES['PR-BUILD'] };
  if (!Array.isArray(statuses)) {
    return { ...base, outcome: 'not-evaluable', message: `build statuses could not be read: ${(statuses as BitbucketError).message}` };
  }
  // A status counts for the pull request only when it was reported for its source branch
  // (docs/platform-facts.md §9: statuses are per commit; `refname` names the branch they were built for).
  const source = pr.source.branch?.name;
  const relevant = statuses.filter((status) => !status.refname || !source || status.refname === source);
  if (relevant.length === 0) {
    return { ...base, outcome: 'fail', message: 'no build has reported on the latest commit' };
  }
  const newest = newestStatusPerKey(relevant);
  const bad = newest.filter((status) => status.state !== 'SUCCESSFUL');
  if (bad.length === 0) {
    return { ...base, outcome: 'pass', message: `${newest.length} build${newest.length === 1 ? '' : 's'} passed` };
  }
  const words = bad.map(
    (status) =>
      `${status.name ?? status.key} ${{ FAILED: 'failed', INPROGRESS: 'is still running', STOPPED: 'was stopped' }[status.state] ?? status.state.toLowerCase()}`,
  );
  return { ...base, outcome: 'fail', message: `the latest build did not pass: ${words.join(', ')}` };
}

function changesRequestedCheck(pr: PullRequest): PullRequestCheck {
  const base = { id: 'PR-NO-CHANGES-REQUESTED' as const, title: PULL_REQUEST_CHECK_TITLES['PR-NO-CHANGES-REQUESTED'] };
  const requesting = (pr.participants ?? []).filter((p) => p.state === 'changes_requested');
  if (requesting.length === 0) return { ...base, outcome: 'pass', message: 'no reviewer requested changes' };
  const names = requesting.map((p) => p.user?.display_name ?? 'a reviewer');
  return { ...base, outcome: 'fail', message: `changes requested by ${names.join(', ')}` };
}

function issueKeyCheck(pr: PullRequest, policy: Policy): PullRequestCheck {
  const base = { id: 'PR-ISSUE-KEY' as const, title: PULL_REQUEST_CHECK_TITLES['PR-ISSUE-KEY'] };
  if (policy.issueKeyPattern === null) {
    return { ...base, outcome: 'not-applicable', message: 'no issue-key pattern is set in the policy' };
  }
  const pattern = new RegExp(policy.issueKeyPattern);
  const candidates = [pr.title ?? '', pr.source.branch?.name ?? ''];
  if (candidates.some((text) => pattern.test(text))) {
    return { ...base, outcome: 'pass', message: 'the title or source branch names an issue' };
  }
  return { ...base, outcome: 'fail', message: 'name an issue in the title or the source branch' };
}

/** `head`: when the head commit arrived (read when `needsHeadArrival`), or null when it was not read. */
export function evaluatePullRequestChecks(
  pr: PullRequest,
  statuses: readonly CommitStatus[] | BitbucketError,
  policy: Policy,
  head: HeadArrival | null = null,
): PullRequestCheck[] {
  return [approvedCheck(pr, policy, head), buildCheck(pr, statuses), changesRequestedCheck(pr), issueKeyCheck(pr, policy)];
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
