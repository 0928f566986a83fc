/**
 * BB-CI-6 — Secrets in workspace Pipelines variables are secured: the same rule as BB-CI-5 for the variables every
 * repository's pipelines see. Reads names and the flag only: GET /workspaces/{w}/pipelines-config/variables
 * (read:pipeline; workspace administrators).
 */
import { exposedVariables } from './secret-names';
import { fail, need, notEvaluable, pass, type WorkspaceControl } from './types';

export const workspaceSecretsAreSecured: WorkspaceControl<'workspaceVariables'> = {
  id: 'BB-CI-6',
  title: 'Secrets in workspace Pipelines variables are secured',
  severity: 'high',
  scope: 'workspace',
  needs: ['workspaceVariables'],
  rationale:
    'A workspace variable reaches every repository’s pipelines; unsecured, its value is shown in the workspace settings and in build logs.',
  remediation: {
    summary: 'Secure every workspace variable that holds a secret, and rotate what was exposed.',
    steps: [
      'Open Workspace settings → Pipelines → Workspace variables.',
      'For each variable listed, delete it and add it again with "Secured" ticked.',
      'Rotate the credential: while unsecured, its value was visible to workspace administrators and in logs.',
    ],
  },
  frameworks: { soc2: ['CC6.1', 'CC6.7'], iso27001: ['5.17', '8.24'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/variables-and-secrets/',
  evaluate(data, { policy }) {
    const variables = need('workspaceVariables', data.workspaceVariables);
    const found = exposedVariables(variables, { where: 'workspace', words: policy.secretVariableWords });
    const names = (list: typeof found.exposed) => list.map((variable) => variable.name).join(', ');
    const evidence = { exposed: found.exposed, secretLooking: found.secretLooking };
    if (found.exposed.length > 0) return fail(`Not secured: ${names(found.exposed)}.`, evidence);
    if (data.workspaceVariables.ok && data.workspaceVariables.truncated)
      return notEvaluable('Bitbucket listed more workspace variables than Attest reads: the rest were not checked.', evidence);
    if (found.unknown.length > 0)
      return notEvaluable(`Bitbucket did not say whether these are secured: ${names(found.unknown)}.`, evidence);
    if (found.secretLooking === 0) return pass('No workspace Pipelines variable looks like a secret.', evidence);
    return pass(`All ${found.secretLooking} workspace variables that look like secrets are secured.`, evidence);
  },
};
