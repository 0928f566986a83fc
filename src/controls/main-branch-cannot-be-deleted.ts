/**
 * BB-BP-3 — Main branch cannot be deleted. Deleting the main branch destroys the record of what was released.
 * Reads: GET …/branch-restrictions (admin), and the effective branching model when a restriction uses
 * `branching_model`.
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_BRANCH_RESTRICTIONS, branchData, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const mainBranchCannotBeDeleted: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-BP-3',
  title: 'Main branch cannot be deleted',
  severity: 'high',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Deleting the main branch destroys the record of what was released.',
  remediation: {
    summary: 'Add a delete restriction on the main branch.',
    steps: BRANCH_PROTECTION_STEPS('tick "Prevent deleting the branch"'),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.32'], cis: ['1.1.17'] },
  docs: DOCS_BRANCH_RESTRICTIONS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['delete']);
    if (found.length > 0) return pass(`${branch.mainBranch} is protected against deletion.`, evidenceOf(found));
    return fail(`No delete restriction applies to ${branch.mainBranch}.`, evidenceOf([]));
  },
};
