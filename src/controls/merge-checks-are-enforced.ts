/**
 * BB-BP-4 — Merge checks on the main branch are enforced. Without an `enforce_merge_checks` restriction
 * (Premium) Bitbucket's merge checks only warn (docs/platform-facts.md §9), so approvals and builds are advisory.
 * Reads: GET …/branch-restrictions (admin), and the effective branching model when needed.
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_MERGE_CHECKS, branchData, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const mergeChecksAreEnforced: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-BP-4',
  title: 'Merge checks on the main branch are enforced',
  severity: 'high',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Without enforcement every merge check is a warning that anyone can merge past.',
  remediation: {
    summary: 'Enforce merge checks on the main branch (Bitbucket Premium).',
    steps: [
      ...BRANCH_PROTECTION_STEPS('under "Merge settings", tick "Prevent a merge with unresolved merge checks"'),
      'This setting needs the Bitbucket Premium plan.',
    ],
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.32'], cis: ['1.1.9', '1.1.14'] },
  docs: DOCS_MERGE_CHECKS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['enforce_merge_checks']);
    if (found.length > 0) return pass(`Merge checks on ${branch.mainBranch} block merges.`, evidenceOf(found));
    return fail(`Merge checks on ${branch.mainBranch} only warn: nothing enforces them.`, evidenceOf([]));
  },
};
