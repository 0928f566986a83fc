/**
 * BB-BP-2 — Main branch blocks force pushes. Force pushes can rewrite or erase the main branch history, including reviewed and released changes.
 * Reads: GET …/branch-restrictions (admin), and the effective branching model when a restriction uses
 * `branching_model`.
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_BRANCH_RESTRICTIONS, branchData, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const mainBranchBlocksForcePushes: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-BP-2',
  title: 'Main branch blocks force pushes',
  severity: 'high',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Force pushes can rewrite or erase the main branch history, including reviewed and released changes.',
  remediation: {
    summary: 'Add a force restriction on the main branch.',
    steps: BRANCH_PROTECTION_STEPS('tick "Prevent rewriting history"'),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.32'], cis: ['1.1.16'] },
  docs: DOCS_BRANCH_RESTRICTIONS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['force']);
    if (found.length > 0) return pass(`${branch.mainBranch} is protected against force pushes.`, evidenceOf(found));
    return fail(`No force restriction applies to ${branch.mainBranch}.`, evidenceOf([]));
  },
};
