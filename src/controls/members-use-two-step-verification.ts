/**
 * BB-MFA-1 — Every member uses two-step verification. Reads `user.has_2fa_enabled` from
 * GET /workspaces/{w}/members?fields=+values.user.has_2fa_enabled (admins only). The flag reflects
 * Bitbucket's own two-step verification; where it is absent, only an attestation can close the gap.
 */
import { expiredAttestation, validAttestation } from '../policy/resolve';
import { fail, need, notEvaluable, pass, type WorkspaceControl } from './types';

export const membersUseTwoStepVerification: WorkspaceControl<'members'> = {
  id: 'BB-MFA-1',
  title: 'Every member uses two-step verification',
  severity: 'critical',
  scope: 'workspace',
  needs: ['members'],
  rationale: 'A stolen password alone must not open the source code (SOC 2 CC6.1).',
  remediation: {
    summary: 'Have the listed members turn on two-step verification, or attest how it is enforced.',
    steps: [
      'Ask each listed member to enable two-step verification (Personal settings → Two-step verification).',
      'Require it for the workspace (Workspace settings → Security, Premium) or through your identity provider.',
      'Where Bitbucket does not report the flag, add an attestation for BB-MFA-1 in the Attest settings.',
    ],
  },
  frameworks: { soc2: ['CC6.1'], iso27001: ['5.17', '8.5'], cis: ['1.3.4'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/enable-two-step-verification/',
  evaluate(data, { policy, now }) {
    const members = need('members', data.members).filter((member) => member.user.type !== 'app_user');
    const without = members
      .filter((member) => member.user.has_2fa_enabled === false)
      .map((member) => ({ accountId: member.user.account_id ?? null, name: member.user.display_name ?? null }));
    const unknown = members
      .filter((member) => member.user.has_2fa_enabled === undefined || member.user.has_2fa_enabled === null)
      .map((member) => member.user.display_name ?? member.user.account_id ?? 'unknown');
    const evidence = { members: members.length, withoutTwoStep: without, notReported: unknown };
    // A workspace always has members (its owners at least): an empty list is an answer we cannot trust.
    if (members.length === 0)
      return notEvaluable('Bitbucket listed no members for the workspace, which always has some: nothing to check.', evidence);
    if (without.length > 0)
      return fail(
        `${without.length} member${without.length === 1 ? ' does' : 's do'} not use two-step verification: ${without.map((m) => m.name ?? m.accountId).join(', ')}.`,
        evidence,
      );
    if (unknown.length === 0) return pass(`All ${members.length} members use two-step verification.`, evidence);
    const attestation = validAttestation(policy, 'BB-MFA-1', now);
    if (attestation)
      return pass(
        `Bitbucket does not report two-step verification for ${unknown.length} member(s); attested by ${attestation.attestedBy} until ${attestation.expiresOn}.`,
        { ...evidence, attestation },
      );
    const expired = expiredAttestation(policy, 'BB-MFA-1', now);
    return notEvaluable(
      `Bitbucket does not report two-step verification for ${unknown.join(', ')}${expired ? `, and the attestation expired on ${expired.expiresOn}` : ', and there is no attestation'}.`,
      { ...evidence, ...(expired ? { expiredAttestation: expired } : {}) },
    );
  },
};
