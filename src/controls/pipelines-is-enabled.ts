/**
 * BB-CI-2 — Bitbucket Pipelines is enabled. Reads: GET …/pipelines_config (admin:repository).
 */
import { fail, need, pass, type RepositoryControl } from './types';

export const pipelinesIsEnabled: RepositoryControl<'pipelinesConfig'> = {
  id: 'BB-CI-2',
  title: 'Bitbucket Pipelines is enabled',
  severity: 'medium',
  scope: 'repository',
  needs: ['pipelinesConfig'],
  appliesToNonProduction: false,
  needsMainBranch: false,
  rationale: 'Automated builds and tests are the evidence that a change was verified before release.',
  remediation: {
    summary: 'Enable Bitbucket Pipelines.',
    steps: ['Open Repository settings → Pipelines → Settings.', 'Turn on "Enable Pipelines" and commit a bitbucket-pipelines.yml.'],
  },
  frameworks: { soc2: ['CC7.1', 'CC8.1'], iso27001: ['8.25'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/get-started-with-bitbucket-pipelines/',
  evaluate(data) {
    const config = need('pipelinesConfig', data.pipelinesConfig);
    return config.enabled ? pass('Pipelines is enabled.', { enabled: true }) : fail('Pipelines is disabled.', { enabled: false });
  },
};
