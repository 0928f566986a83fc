/**
 * BB-CR-1 — Pull requests into main need enough approvals. The largest `require_approvals_to_merge` value
 * that applies must reach `policy.minApprovals`; without `enforce_merge_checks` it only warns, so a pass
 * carries `enforced`. Reads: GET …/branch-restrictions (admin).
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_MERGE_CHECKS, branchData, enforced, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const pullRequestsNeedEnoughApprovals: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-CR-1',
  title: 'Pull requests into main need enough approvals',
  severity: 'high',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Peer review is the core change-management control auditors sample (SOC 2 CC8.1).',
  remediation: {
    summary: 'Require approvals before merging into the main branch.',
    steps: BRANCH_PROTECTION_STEPS('under "Merge settings", set "Minimum number of approvals" to at least the policy minimum'),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.25', '8.32'], cis: ['1.1.3'] },
  docs: DOCS_MERGE_CHECKS,
  evaluate(data, subject, { policy }) {
    const branch = branchData(data, subject.mainBranch);
    const found = kindApplies(branch, ['require_approvals_to_merge']);
    const configured = Math.max(0, ...found.map((r) => r.value ?? 0));
    const evidence = { ...evidenceOf(found), configured, required: policy.minApprovals };
    if (found.length > 0 && configured >= policy.minApprovals) {
      const blocking = enforced(branch);
      return pass(
        `${configured} approval${configured === 1 ? '' : 's'} required to merge into ${branch.mainBranch}${blocking ? '' : ' (advisory: merge checks are not enforced)'}.`,
        evidence,
        blocking,
      );
    }
    return fail(
      `${configured} approval${configured === 1 ? '' : 's'} required to merge into ${branch.mainBranch}; the policy asks for ${policy.minApprovals}.`,
      evidence,
    );
  },
};
