/**
 * PR-APPROVED — approved by at least `minApprovals` people other than the author (the rule BB-PR-1 and the
 * evidence ledger use: src/controls/approvals.ts). With `requireApprovalOfHead`, an approval counts only when
 * it was given at or after the current head arrived (./head-arrival.ts); when that cannot be told, the check
 * says so rather than count it.
 */
import type { Participant, PullRequest } from '../bitbucket/schemas';
import { independentApprovers } from '../controls/approvals';
import { instantMs } from '../lib/instant';
import type { Policy } from '../policy/policy';
import type { HeadArrival } from './head-arrival';
import { plural, type PullRequestCheckDefinition, type Verdict } from './types';

/** Whether the check needs to know when the head arrived: only when the approvals would otherwise suffice. */
export function needsHeadArrival(pr: PullRequest, policy: Policy): boolean {
  return (
    policy.requireApprovalOfHead &&
    policy.minApprovals > 0 &&
    independentApprovers(pr.participants, pr.author).length >= policy.minApprovals
  );
}

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

function approvedOfHead(pr: PullRequest, policy: Policy, head: HeadArrival | null): Verdict {
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

export const approved: PullRequestCheckDefinition = {
  id: 'PR-APPROVED',
  title: 'Approved by someone other than the author',
  evaluate({ pr, head }, policy) {
    const approvers = independentApprovers(pr.participants, pr.author);
    const needed = policy.minApprovals;
    const missing = Math.max(0, needed - approvers.length);
    if (!pr.author)
      return { outcome: 'not-evaluable', message: 'the pull request has no author account, so independent approval cannot be told apart' };
    if (missing === 0 && needed > 0 && policy.requireApprovalOfHead) return approvedOfHead(pr, policy, head);
    if (missing === 0)
      return { outcome: 'pass', message: `approved by ${plural(approvers.length, 'person', 'people')} other than the author` };
    return { outcome: 'fail', message: `needs ${missing} more approval${missing === 1 ? '' : 's'} from someone other than the author` };
  },
};
