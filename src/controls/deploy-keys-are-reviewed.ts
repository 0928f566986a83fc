/**
 * BB-AC-5 — Deploy keys are reviewed and none is older than `policy.maxDeployKeyAgeDays` without re-approval. The
 * latest completed access review covered every project and repository deploy key in its scope; a key older than
 * the limit today must have been kept there with a reason (its re-approval). Revoked keys are BB-AC-3's. Reads the
 * app's own review records: no Bitbucket request.
 */
import { fail, need, pass, type WorkspaceControl } from './types';

const DAY = 86_400_000;

export const deployKeysAreReviewed: WorkspaceControl<'accessReviews'> = {
  id: 'BB-AC-5',
  title: 'Deploy keys are reviewed and none is too old',
  severity: 'medium',
  scope: 'workspace',
  needs: ['accessReviews'],
  rationale: 'A deploy key is a machine’s standing access to the code: keys that outlive the system that used them are a classic leftover.',
  remediation: {
    summary: 'Review deploy keys in an access review, and rotate or re-approve old ones.',
    steps: [
      'Start an access review: every project and repository deploy key in its scope is an item.',
      'Revoke keys nobody uses; for an old key still needed, rotate it, or keep it with the reason (its re-approval).',
      'Raise "Maximum deploy-key age" in the Attest settings only if your key-rotation policy allows it.',
    ],
  },
  frameworks: { soc2: ['CC6.1', 'CC6.2'], iso27001: ['5.18', '8.24'], cis: [] },
  docs: 'https://confluence.atlassian.com/bitbucket/use-access-keys-294486051.html',
  evaluate(data, { policy, now }) {
    const { latest } = need('accessReviews', data.accessReviews);
    if (latest === null) return fail('No completed access review has covered the deploy keys.', {});
    const tooOld = latest.deployKeys.filter(({ access, decision, reason }) => {
      const age = access.addedOn === null ? null : (now.getTime() - Date.parse(access.addedOn)) / DAY;
      return decision === 'keep' && age !== null && age > policy.maxDeployKeyAgeDays && !reason;
    });
    const evidence = { review: latest.id, keys: latest.deployKeys.length, tooOld: tooOld.map(({ access }) => access) };
    if (tooOld.length > 0)
      return fail(
        `Older than ${policy.maxDeployKeyAgeDays} days and kept without a re-approval: ${tooOld.map(({ access }) => `${access.name} on ${access.target}`).join(', ')}.`,
        evidence,
      );
    return pass(
      `${latest.deployKeys.length} deploy key${latest.deployKeys.length === 1 ? '' : 's'} reviewed in ${latest.id}; none too old without re-approval.`,
      evidence,
    );
  },
};
