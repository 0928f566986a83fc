/**
 * BB-CR-2 — Approvals reset when the pull request changes. Otherwise code pushed after approval is merged
 * unreviewed. Reads: GET …/branch-restrictions (admin); `smart_reset` counts as well as `reset`.
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_MERGE_CHECKS, branchData, enforced, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const approvalsResetOnChange: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-CR-2',
  title: 'Approvals reset when the pull request changes',
  severity: 'medium',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'An approval should cover the code that is merged, not an earlier version of it.',
  remediation: {
    summary: 'Reset approvals when the source branch changes.',
    steps: BRANCH_PROTECTION_STEPS(
      'under "Merge settings", tick "Reset requested changes and approvals when the source branch is modified"',
    ),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.32'], cis: ['1.1.4'] },
  docs: DOCS_MERGE_CHECKS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['reset_pullrequest_approvals_on_change', 'smart_reset_pullrequest_approvals']);
    if (found.length > 0) {
      const blocking = enforced(branch);
      return pass(
        `Approvals reset when a pull request into ${branch.mainBranch} changes${blocking ? '' : ' (advisory: merge checks are not enforced)'}.`,
        evidenceOf(found),
        blocking,
      );
    }
    return fail(`Approvals survive new commits on pull requests into ${branch.mainBranch}.`, evidenceOf([]));
  },
};
