/**
 * BB-MFA-2 — The workspace requires two-step verification. The API does not expose the workspace setting,
 * so only a valid attestation can make this pass; it is never a fail.
 */
import { expiredAttestation, validAttestation } from '../policy/resolve';
import { notEvaluable, pass, type WorkspaceControl } from './types';

export const workspaceRequiresTwoStepVerification: WorkspaceControl<never> = {
  id: 'BB-MFA-2',
  title: 'The workspace requires two-step verification',
  severity: 'critical',
  scope: 'workspace',
  needs: [],
  rationale: 'Requiring two-step verification at the workspace keeps new members from joining without it.',
  remediation: {
    summary: 'Attest how two-step verification is required.',
    steps: [
      'Turn on "Require two-step verification" in Workspace settings → Security (Premium), or enforce it through your identity provider.',
      'Add an attestation for BB-MFA-2 in Workspace settings → Attest compliance, with a statement, an evidence link and an expiry date.',
    ],
  },
  frameworks: { soc2: ['CC6.1'], iso27001: ['5.17', '8.5'], cis: ['1.3.5'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/enforce-two-step-verification/',
  evaluate(_data, { policy, now }) {
    const attestation = validAttestation(policy, 'BB-MFA-2', now);
    if (attestation)
      return pass(`Attested by ${attestation.attestedBy} until ${attestation.expiresOn}: ${attestation.statement}`, { attestation });
    const expired = expiredAttestation(policy, 'BB-MFA-2', now);
    return notEvaluable(
      expired
        ? `The attestation expired on ${expired.expiresOn}; Bitbucket's API does not expose this setting.`
        : "Bitbucket's API does not expose this setting: it needs an attestation.",
      expired ? { expiredAttestation: expired } : {},
    );
  },
};
