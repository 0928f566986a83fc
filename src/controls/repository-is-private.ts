/**
 * BB-REPO-2 — Repository is private. Public repositories expose source code to anyone.
 * Reads: `is_private` from the workspace's repository list (GET /2.0/repositories/{workspace}).
 */
import { fail, need, notEvaluable, pass, type RepositoryControl } from './types';

export const repositoryIsPrivate: RepositoryControl<'repository'> = {
  id: 'BB-REPO-2',
  title: 'Repository is private',
  severity: 'high',
  scope: 'repository',
  needs: ['repository'],
  appliesToNonProduction: true,
  needsMainBranch: false,
  rationale: 'Source code is confidential: a public repository discloses it, and its history, to anyone.',
  remediation: {
    summary: 'Make the repository private.',
    steps: ['Open Repository settings → Repository details.', 'Tick "This is a private repository" and save.'],
  },
  frameworks: { soc2: ['CC6.1'], iso27001: ['8.4'], cis: ['1.2.6'] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/make-a-repository-private-or-public/',
  evaluate(data) {
    const repository = need('repository', data.repository);
    if (repository.is_private === undefined) return notEvaluable('Bitbucket did not report whether the repository is private.', {});
    return repository.is_private
      ? pass('The repository is private.', { isPrivate: true })
      : fail('The repository is public.', { isPrivate: false });
  },
};
