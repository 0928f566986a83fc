/**
 * BB-CR-4 — Default reviewers are assigned. Reads: GET …/effective-default-reviewers (repository and
 * project default reviewers).
 */
import { fail, need, pass, type RepositoryControl } from './types';

export const defaultReviewersAreAssigned: RepositoryControl<'effectiveDefaultReviewers'> = {
  id: 'BB-CR-4',
  title: 'Default reviewers are assigned',
  severity: 'low',
  scope: 'repository',
  needs: ['effectiveDefaultReviewers'],
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Default reviewers make sure every pull request reaches someone accountable for the code.',
  remediation: {
    summary: 'Add default reviewers to the repository or its project.',
    steps: [
      'Open Repository settings → Default reviewers (or Project settings → Default reviewers).',
      'Add at least one reviewer and save.',
    ],
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.32'], cis: ['1.1.7'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/add-default-reviewers-to-pull-requests/',
  evaluate(data) {
    const reviewers = need('effectiveDefaultReviewers', data.effectiveDefaultReviewers);
    const names = reviewers.map((reviewer) => reviewer.user?.display_name ?? reviewer.user?.account_id ?? 'unknown');
    if (reviewers.length > 0)
      return pass(`${reviewers.length} default reviewer${reviewers.length === 1 ? '' : 's'}: ${names.join(', ')}.`, { reviewers: names });
    return fail('No default reviewers are assigned.', { reviewers: [] });
  },
};
