/**
 * BB-PR-1 — Merged pull requests were approved by someone other than the author, over the last
 * `reviewWindowDays`. This is the sample an auditor takes for SOC 2 CC8.1. Reads: GET …/pullrequests
 * (state=MERGED, into main, `+values.participants`).
 */
import { independentlyApproved } from './merged-change';
import { fail, need, notApplicable, pass, type RepositoryControl } from './types';

export const mergedPullRequestsIndependentlyApproved: RepositoryControl<'mergedPullRequests'> = {
  id: 'BB-PR-1',
  title: 'Merged pull requests were approved by someone other than the author',
  severity: 'high',
  scope: 'repository',
  needs: ['mergedPullRequests'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Segregation of duties: the person who wrote a change should not be the only one to approve it.',
  remediation: {
    summary: 'Review the listed pull requests after the fact and require independent approval from now on.',
    steps: [
      'Have someone other than the author review each listed pull request and record the review.',
      'Require approvals (BB-CR-1) and enforce merge checks (BB-BP-4).',
      'Enable the Attest merge check as Required on the main branch.',
    ],
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['5.3', '8.32'], cis: ['1.1.3'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/review-code-in-a-pull-request/',
  evaluate(data, _subject, { policy }) {
    const merged = need('mergedPullRequests', data.mergedPullRequests);
    if (merged.length === 0)
      return notApplicable(`No pull request was merged into the main branch in the last ${policy.reviewWindowDays} days.`, { merged: 0 });
    const unapproved = merged
      .filter((change) => !independentlyApproved(change))
      .map((change) => change.id)
      .sort((a, b) => a - b);
    const evidence = { merged: merged.length, withoutIndependentApproval: unapproved, windowDays: policy.reviewWindowDays };
    if (unapproved.length === 0)
      return pass(
        `All ${merged.length} pull requests merged in the last ${policy.reviewWindowDays} days were approved by someone other than the author.`,
        evidence,
      );
    return fail(
      `${unapproved.length} of ${merged.length} merged pull requests had no approval from anyone but the author: #${unapproved.join(', #')}.`,
      evidence,
    );
  },
};
