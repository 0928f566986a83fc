/**
 * BB-BP-5 — Nobody bypasses the push restriction. Users and groups listed on a `push` restriction may push
 * directly; only the policy's service accounts should be there. Reads: GET …/branch-restrictions (admin).
 */
import { BRANCH_NEEDS, BRANCH_PROTECTION_STEPS, DOCS_BRANCH_RESTRICTIONS, branchData, evidenceOf, kindApplies } from './branch-data';
import { fail, notApplicable, pass, type RepositoryControl } from './types';

export const nobodyBypassesPushRestriction: RepositoryControl<(typeof BRANCH_NEEDS)[number]> = {
  id: 'BB-BP-5',
  title: 'Nobody bypasses the push restriction',
  severity: 'medium',
  scope: 'repository',
  needs: BRANCH_NEEDS,
  appliesToNonProduction: false,
  needsMainBranch: true,
  rationale: 'Every person allowed to push directly can change production code without review.',
  remediation: {
    summary: 'Remove people and groups from the push restriction, or declare them as service accounts.',
    steps: [
      ...BRANCH_PROTECTION_STEPS('remove the users and groups under "Write access"'),
      'If an account is a deployment bot, add it to Service accounts in the Attest settings.',
    ],
  },
  frameworks: { soc2: ['CC8.1'], iso27001: ['8.2', '8.32'], cis: ['1.1.14'] },
  docs: DOCS_BRANCH_RESTRICTIONS,
  evaluate(data, subject, { policy }) {
    const branch = branchData(data, subject.mainBranch);
    const push = kindApplies(branch, ['push']);
    if (push.length === 0) return notApplicable(`No push restriction applies to ${branch.mainBranch} (BB-BP-1 fails).`, evidenceOf([]));
    const service = new Set(policy.serviceAccounts);
    const users = push.flatMap((r) => r.users).filter((user) => !(user.account_id && service.has(user.account_id)));
    const groups = push.flatMap((r) => r.groups);
    const bypassing = {
      users: users.map((user) => ({ accountId: user.account_id ?? null, name: user.display_name ?? null })),
      groups: groups.map((group) => group.slug ?? group.name ?? 'unknown'),
    };
    if (users.length === 0 && groups.length === 0)
      return pass(`Only service accounts may push to ${branch.mainBranch} directly.`, { ...evidenceOf(push), bypassing });
    const names = [
      ...bypassing.users.map((user) => user.name ?? user.accountId ?? 'unknown'),
      ...bypassing.groups.map((group) => `group ${group}`),
    ];
    return fail(`These can push to ${branch.mainBranch} without review: ${names.join(', ')}.`, { ...evidenceOf(push), bypassing });
  },
};
