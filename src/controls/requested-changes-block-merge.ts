/**
 * BB-CR-3 — Requested changes block the merge. Reads: GET …/branch-restrictions (admin).
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_MERGE_CHECKS, branchData, enforced, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const requestedChangesBlockMerge: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-CR-3',
  title: 'Requested changes block the merge',
  severity: 'low',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: "A reviewer's objection should stop a merge until it is resolved.",
  remediation: {
    summary: 'Block merges while changes are requested.',
    steps: BRANCH_PROTECTION_STEPS('under "Merge settings", tick "No changes requested"'),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.32'], cis: [] },
  docs: DOCS_MERGE_CHECKS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['require_no_changes_requested']);
    if (found.length > 0) {
      const blocking = enforced(branch);
      return pass(
        `Requested changes block merges into ${branch.mainBranch}${blocking ? '' : ' (advisory: merge checks are not enforced)'}.`,
        evidenceOf(found),
        blocking,
      );
    }
    return fail(`A pull request into ${branch.mainBranch} can be merged while changes are requested.`, evidenceOf([]));
  },
};
