/**
 * BB-AC-1 — Offboarded people have no workspace access. Compares workspace members with the policy's
 * offboarded list. Reads: GET /workspaces/{w}/members (read:workspace).
 */
import { fail, need, notEvaluable, pass, type WorkspaceControl } from './types';

export const offboardedPeopleHaveNoAccess: WorkspaceControl<'members'> = {
  id: 'BB-AC-1',
  title: 'Offboarded people have no workspace access',
  severity: 'critical',
  scope: 'workspace',
  needs: ['members'],
  rationale: 'Access must end when employment ends (SOC 2 CC6.2); leftover memberships are a classic audit finding.',
  remediation: {
    summary: 'Remove the listed people from the workspace, and keep the offboarded list current.',
    steps: [
      'Open Workspace settings → User groups / Members and remove each listed person.',
      "Keep Attest's offboarded list current: Workspace settings → Attest compliance → Offboarded (pick people or import a CSV of account ids from your HR system).",
    ],
  },
  frameworks: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.18'], cis: ['1.3.1'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/remove-a-user-from-a-workspace/',
  evaluate(data, { policy }) {
    if (policy.offboarded === null) return notEvaluable('No offboarded list has been provided, so leftover access cannot be checked.', {});
    const members = need('members', data.members);
    const offboarded = new Map(policy.offboarded.map((person) => [person.accountId, person]));
    const still = members.flatMap((member) => {
      const accountId = member.user.account_id;
      const person = accountId === undefined ? undefined : offboarded.get(accountId);
      if (accountId === undefined || person === undefined) return [];
      return [{ accountId, name: member.user.display_name ?? person.name ?? null, offboardedOn: person.offboardedOn }];
    });
    const evidence = { members: members.length, offboarded: policy.offboarded.length, stillMembers: still };
    if (still.length === 0) return pass(`None of the ${policy.offboarded.length} offboarded people is a workspace member.`, evidence);
    return fail(
      `${still.length} offboarded ${still.length === 1 ? 'person is still a workspace member' : 'people are still workspace members'}: ${still.map((p) => p.name ?? p.accountId).join(', ')}.`,
      evidence,
    );
  },
};
