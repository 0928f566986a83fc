/**
 * BB-CI-5 — Secrets in a repository's Pipelines variables are secured. A variable whose name looks like a secret
 * (./secret-names.ts) must be `secured`: an unsecured value is shown to everyone who can open the repository's
 * settings and is printed in build logs (https://support.atlassian.com/bitbucket-cloud/docs/variables-and-secrets/).
 * Reads names and the flag only — never a value: GET …/pipelines_config/variables, GET …/environments and GET
 * …/deployments_config/environments/{uuid}/variables (read:pipeline), one request per environment.
 */
import type { BitbucketError } from '../bitbucket/errors';
import { exposedVariables, type ExposedVariable } from './secret-names';
import { fail, MissingData, notEvaluable, pass, type RepositoryControl, type RepositorySnapshot } from './types';

type Data = Pick<RepositorySnapshot, 'pipelineVariables' | 'deploymentVariables'>;

interface Found {
  exposed: ExposedVariable[];
  unknown: ExposedVariable[];
  checked: number;
  /** Reads that failed or were cut short: no pass while any remains. */
  gaps: Array<{ need: string; error: BitbucketError | null }>;
}

function inspect(data: Data, words: readonly string[]): Found {
  const found: Found = { exposed: [], unknown: [], checked: 0, gaps: [] };
  const add = (result: ReturnType<typeof exposedVariables>) => {
    found.exposed.push(...result.exposed);
    found.unknown.push(...result.unknown);
    found.checked += result.secretLooking;
  };
  if (data.pipelineVariables.ok) {
    add(exposedVariables(data.pipelineVariables.value, { where: 'repository', words }));
    if (data.pipelineVariables.truncated) found.gaps.push({ need: 'pipelineVariables', error: null });
  } else found.gaps.push({ need: 'pipelineVariables', error: data.pipelineVariables.error });
  if (data.deploymentVariables.ok) {
    for (const { environment, variables } of data.deploymentVariables.value)
      add(exposedVariables(variables, { where: `${environment.name} environment`, words }));
  } else found.gaps.push({ need: 'deploymentVariables', error: data.deploymentVariables.error });
  return found;
}

const listed = (variables: readonly ExposedVariable[]) => variables.map((variable) => `${variable.name} (${variable.where})`).join(', ');

export const pipelinesSecretsAreSecured: RepositoryControl<'pipelineVariables' | 'deploymentVariables'> = {
  id: 'BB-CI-5',
  title: 'Secrets in Pipelines variables are secured',
  severity: 'high',
  scope: 'repository',
  needs: ['pipelineVariables', 'deploymentVariables'],
  appliesToNonProduction: false,
  needsMainBranch: false,
  rationale:
    'An unsecured variable is readable by anyone who can open the repository settings and appears in build logs: credentials must be secured.',
  remediation: {
    summary: 'Secure every Pipelines variable that holds a secret, and rotate what was exposed.',
    steps: [
      'Open Repository settings → Pipelines → Repository variables (and Deployments for each environment).',
      'For each variable listed, delete it and add it again with "Secured" ticked (a variable cannot be secured in place).',
      'Rotate the credential: while unsecured, its value was visible to everyone with access to the settings and the logs.',
      'If a listed name is not a secret, remove the matching word from "Secret variable words" in the Attest settings.',
    ],
  },
  frameworks: { soc2: ['CC6.1', 'CC6.7'], iso27001: ['5.17', '8.24'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/variables-and-secrets/',
  evaluate(data, _subject, { policy }) {
    const found = inspect(data, policy.secretVariableWords);
    const evidence = { exposed: found.exposed, secretLooking: found.checked };
    // An exposed secret is a failure whatever else could not be read.
    if (found.exposed.length > 0) return fail(`Not secured: ${listed(found.exposed)}.`, evidence);
    const gap = found.gaps[0];
    if (gap?.error) throw new MissingData(gap.need, gap.error);
    if (gap) return notEvaluable('Bitbucket listed more repository variables than Attest reads: the rest were not checked.', evidence);
    if (found.unknown.length > 0)
      return notEvaluable(`Bitbucket did not say whether these are secured: ${listed(found.unknown)}.`, {
        ...evidence,
        unknown: found.unknown,
      });
    if (found.checked === 0) return pass('No Pipelines variable of the repository or its environments looks like a secret.', evidence);
    return pass(`All ${found.checked} variables that look like secrets are secured.`, evidence);
  },
};
