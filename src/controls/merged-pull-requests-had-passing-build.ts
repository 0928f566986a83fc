/**
 * BB-PR-2 — Merged pull requests had a passing build: at least one status, and for each status key the
 * newest is SUCCESSFUL. Reads: GET …/pullrequests/{id}/statuses for each merged pull request.
 */
import { hadPassingBuild } from './merged-change';
import { fail, need, notApplicable, pass, type RepositoryControl } from './types';

export const mergedPullRequestsHadPassingBuild: RepositoryControl<'mergedPullRequests'> = {
  id: 'BB-PR-2',
  title: 'Merged pull requests had a passing build',
  severity: 'medium',
  scope: 'repository',
  needs: ['mergedPullRequests'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'The build result is the evidence that a merged change was tested.',
  remediation: {
    summary: 'Require a passing build before merging, and investigate the listed pull requests.',
    steps: [
      'Require passing builds (BB-CI-1) and enforce merge checks (BB-BP-4).',
      'For each listed pull request, record why it was merged without a passing build.',
    ],
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.29', '8.32'], cis: ['1.1.9'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/check-build-status-in-a-pull-request/',
  evaluate(data, _subject, { policy }) {
    const merged = need('mergedPullRequests', data.mergedPullRequests);
    if (merged.length === 0)
      return notApplicable(`No pull request was merged into the main branch in the last ${policy.reviewWindowDays} days.`, { merged: 0 });
    const without = merged
      .filter((change) => !hadPassingBuild(change))
      .map((change) => change.id)
      .sort((a, b) => a - b);
    const evidence = { merged: merged.length, withoutPassingBuild: without, windowDays: policy.reviewWindowDays };
    if (without.length === 0) return pass(`All ${merged.length} merged pull requests had a passing build.`, evidence);
    return fail(`${without.length} of ${merged.length} merged pull requests had no passing build: #${without.join(', #')}.`, evidence);
  },
};
