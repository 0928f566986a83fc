/**
 * BB-REPO-1 — Repository is classified. Every repository must be declared production or non-production so
 * the right controls apply; an unclassified repository is evaluated as production and fails here.
 * Reads: the policy only.
 */
import { fail, pass, type RepositoryControl } from './types';

export const repositoryIsClassified: RepositoryControl<never> = {
  id: 'BB-REPO-1',
  title: 'Repository is classified',
  severity: 'critical',
  scope: 'repository',
  needs: [],
  appliesToNonProduction: true,
  needsMainBranch: false,
  rationale: 'Auditors scope change management to production systems; an unclassified repository is an unknown scope.',
  remediation: {
    summary: 'Classify the repository in the Attest settings.',
    steps: [
      'Open Workspace settings → Attest compliance.',
      'Add the repository under Classification, or a rule for its project key or a slug pattern.',
      'Choose production or non-production and save.',
    ],
  },
  frameworks: { soc2: ['CC6.1'], iso27001: ['5.9', '5.12'], cis: [] },
  docs: 'https://developer.atlassian.com/platform/forge/',
  evaluate(_data, subject) {
    if (subject.classification === 'unclassified')
      return fail('No classification matches this repository: it is evaluated as production.', { classification: 'unclassified' });
    return pass(`Classified as ${subject.classification}.`, { classification: subject.classification });
  },
};
