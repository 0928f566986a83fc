/**
 * BB-AC-4 — Access was reviewed recently: an access review was completed within `policy.accessReviewIntervalDays`
 * (default 90: quarterly). Reads the app's own review records: no Bitbucket request.
 */
import { fail, need, pass, type WorkspaceControl } from './types';

const DAY = 86_400_000;

export const accessWasReviewedRecently: WorkspaceControl<'accessReviews'> = {
  id: 'BB-AC-4',
  title: 'Access was reviewed recently',
  severity: 'high',
  scope: 'workspace',
  needs: ['accessReviews'],
  rationale:
    'A periodic review of who can reach the code, signed off by its owner, is the evidence of access control SOC 2 CC6.2 and ISO 27001 5.18 ask for.',
  remediation: {
    summary: 'Run an access review and complete it.',
    steps: [
      'Open the Attest dashboard → Access reviews → Start a review; choose the reviewers and a due date.',
      'Reviewers keep, change or revoke each access; the owner completes the review.',
      'Export the completed review for the auditor (CSV, JSON or HTML).',
    ],
  },
  frameworks: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.18'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/grant-access-to-a-workspace/',
  evaluate(data, { policy, now }) {
    const { latest } = need('accessReviews', data.accessReviews);
    const limit = policy.accessReviewIntervalDays;
    if (latest === null) return fail('No access review has been completed.', { intervalDays: limit });
    const days = Math.floor((now.getTime() - Date.parse(latest.completedAt)) / DAY);
    const evidence = { review: latest.id, completedAt: latest.completedAt, days, intervalDays: limit };
    if (days <= limit) return pass(`The last access review was completed ${days} day${days === 1 ? '' : 's'} ago.`, evidence);
    return fail(`The last access review was completed ${days} days ago; the policy asks for one every ${limit}.`, evidence);
  },
};
