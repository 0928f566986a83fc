/**
 * BB-REPO-3 — A private repository cannot be forked publicly. With `fork_policy: allow_forks`, anyone with read
 * access can fork the code into a repository of their own and make that fork public: the source leaves the
 * workspace's control. `no_public_forks` keeps forks private (they cannot be made public later); `no_forks`
 * denies forking (OpenAPI `repository.fork_policy`).
 * Reads: `fork_policy` and `is_private` from the workspace's repository list (GET /2.0/repositories/{workspace}):
 * no request of its own.
 */
import { fail, need, notApplicable, notEvaluable, pass, type RepositoryControl } from './types';

export const privateRepositoryCannotBeForkedPublicly: RepositoryControl<'repository'> = {
  id: 'BB-REPO-3',
  title: 'A private repository cannot be forked publicly',
  severity: 'medium',
  scope: 'repository',
  needs: ['repository'],
  appliesToNonProduction: false,
  needsMainBranch: false,
  rationale:
    'A public fork of a private repository publishes its code and history outside the workspace: forks must stay private, or be denied.',
  remediation: {
    summary: 'Allow only private forks, or no forks.',
    steps: [
      'Open Repository settings → Repository details → Advanced.',
      'Set "Forking" to "Allow only private forks" (or "No forks") and save.',
      'Review the existing forks of the repository and make any public one private.',
    ],
  },
  frameworks: { soc2: ['CC6.1'], iso27001: ['8.4'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/fork-a-repository/',
  evaluate(data) {
    const repository = need('repository', data.repository);
    if (repository.is_private === undefined) return notEvaluable('Bitbucket did not report whether the repository is private.', {});
    if (!repository.is_private) return notApplicable('The repository is public: “Repository is private” covers it.', { isPrivate: false });
    const policy = repository.fork_policy;
    if (policy === undefined) return notEvaluable('Bitbucket did not report the repository’s fork policy.', { isPrivate: true });
    if (policy === 'allow_forks')
      return fail('Anyone who can read the repository may fork it and make the fork public.', { forkPolicy: policy });
    if (policy === 'no_public_forks') return pass('Forks must stay private.', { forkPolicy: policy });
    if (policy === 'no_forks') return pass('Forking is not allowed.', { forkPolicy: policy });
    return notEvaluable(`Bitbucket reported a fork policy Attest does not know (${policy}).`, { forkPolicy: policy });
  },
};
