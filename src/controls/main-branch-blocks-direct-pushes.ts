/**
 * BB-BP-1 — Main branch blocks direct pushes. Changes must arrive through pull requests, where review and
 * builds are enforced. Reads: GET …/branch-restrictions (admin), and the effective branching model when a
 * restriction uses `branching_model`.
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_BRANCH_RESTRICTIONS, branchData, evidenceOf, kindApplies } from './branch-data';
import { fail, pass, type RepositoryControl } from './types';

export const mainBranchBlocksDirectPushes: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-BP-1',
  title: 'Main branch blocks direct pushes',
  severity: 'high',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'A direct push bypasses review and builds: every change to the main branch should go through a pull request.',
  remediation: {
    summary: 'Restrict pushes to the main branch.',
    steps: BRANCH_PROTECTION_STEPS('choose "Write access" → nobody (or only service accounts)'),
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.4', '8.32'], cis: ['1.1.15'] },
  docs: DOCS_BRANCH_RESTRICTIONS,
  evaluate(data, subject) {
    const branch = branchData(data, subject.mainBranch);
    const push = kindApplies(branch, ['push']);
    if (push.length > 0) {
      const allowed = push.flatMap((r) => [
        ...r.users.map((u) => u.display_name ?? u.account_id ?? 'unknown'),
        ...r.groups.map((g) => g.slug ?? g.name ?? 'group'),
      ]);
      return pass(`Direct pushes to ${branch.mainBranch} are restricted${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ''}.`, {
        ...evidenceOf(push),
        allowed,
      });
    }
    return fail(`Anyone with write access can push directly to ${branch.mainBranch}.`, {
      allowedToPush: 'everyone with write access',
      ...evidenceOf([]),
    });
  },
};
