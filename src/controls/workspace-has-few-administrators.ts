/**
 * BB-AC-2 — The workspace has few administrators. Reads: GET /workspaces/{w}/permissions?q=permission="owner".
 */
import { fail, need, notEvaluable, pass, type WorkspaceControl } from './types';

export const workspaceHasFewAdministrators: WorkspaceControl<'workspacePermissions'> = {
  id: 'BB-AC-2',
  title: 'The workspace has few administrators',
  severity: 'medium',
  scope: 'workspace',
  needs: ['workspacePermissions'],
  rationale: 'Administrators can change every control Attest checks; least privilege keeps that group small.',
  remediation: {
    summary: 'Reduce the number of workspace administrators.',
    steps: [
      'Open Workspace settings → User groups, and move people who do not need it out of the Administrators group.',
      'Or raise "Maximum workspace administrators" in the Attest settings if the number is deliberate.',
    ],
  },
  frameworks: { soc2: ['CC6.1', 'CC6.3'], iso27001: ['8.2'], cis: ['1.3.3'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/grant-access-to-a-workspace/',
  evaluate(data, { policy }) {
    const owners = need('workspacePermissions', data.workspacePermissions).filter((entry) => entry.permission === 'owner');
    const names = owners.map((owner) => owner.user.display_name ?? owner.user.account_id ?? 'unknown');
    const evidence = { administrators: names, count: owners.length, maximum: policy.maxWorkspaceAdmins };
    // A workspace always has an owner: none listed means the answer is incomplete, not that there are few.
    if (owners.length === 0)
      return notEvaluable('Bitbucket listed no workspace administrators, and a workspace always has one: nothing to check.', evidence);
    if (owners.length <= policy.maxWorkspaceAdmins)
      return pass(
        `${owners.length} workspace administrator${owners.length === 1 ? '' : 's'} (at most ${policy.maxWorkspaceAdmins}).`,
        evidence,
      );
    return fail(
      `${owners.length} workspace administrators, more than the policy's ${policy.maxWorkspaceAdmins}: ${names.join(', ')}.`,
      evidence,
    );
  },
};
