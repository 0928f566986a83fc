/**
 * BB-CI-1 — Merges into main need a passing build. The largest `require_passing_builds_to_merge` value that
 * applies must be ≥ 1. Reads: GET …/branch-restrictions (admin).
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_MERGE_CHECKS, branchData, enforced, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const mergesNeedPassingBuild: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-CI-1',
  title: 'Merges into main need a passing build',
  severity: 'high',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Tests are part of the change-approval evidence: a failing build should not reach the main branch.',
  remediation: {
    summary: 'Require a passing build before merging.',
    steps: BRANCH_PROTECTION_STEPS(
      'under "Merge settings", set "Minimum number of successful builds for the last commit with no failed builds and no in progress builds" to at least 1',
    ),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.29', '8.32'], cis: ['1.1.9'] },
  docs: DOCS_MERGE_CHECKS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['require_passing_builds_to_merge']);
    const configured = Math.max(0, ...found.map((r) => r.value ?? 0));
    const evidence = { ...evidenceOf(found), configured };
    if (configured >= 1) {
      const blocking = enforced(branch);
      return pass(
        `${configured} passing build${configured === 1 ? '' : 's'} required to merge into ${branch.mainBranch}${blocking ? '' : ' (advisory: merge checks are not enforced)'}.`,
        evidence,
        blocking,
      );
    }
    return fail(`No passing build is required to merge into ${branch.mainBranch}.`, evidence);
  },
};
