/**
 * What a person reads: each verdict's message and evidence, exactly, for the controls whose outcome alone
 * leaves the wording and the evidence untested. A count, a plural, a name or a threshold in the wrong place
 * misleads an administrator as surely as a wrong outcome.
 */
import { ok, repository } from '../builders/snapshot';
import { checkRepository, checkWorkspace } from './harness';

const reviewer = (user: Record<string, unknown> | null) => ({ reviewer_type: 'repository', user });
type Entry = { permission: string; user: { account_id?: string; display_name?: string } };
const owner = (name: string | undefined, accountId: string): Entry => ({
  permission: 'owner',
  user: { account_id: accountId, ...(name === undefined ? {} : { display_name: name }) },
});

describe('what the verdicts say', () => {
  it.each<[string, Record<string, unknown>[], string, unknown]>([
    ['one reviewer', [reviewer({ display_name: 'Grace' })], '1 default reviewer: Grace.', ['Grace']],
    [
      'two reviewers, one known only by account id, one without a user',
      [reviewer({ display_name: 'Grace' }), reviewer({ account_id: '557058:x' }), reviewer(null)],
      '3 default reviewers: Grace, 557058:x, unknown.',
      ['Grace', '557058:x', 'unknown'],
    ],
    ['none', [], 'No default reviewers are assigned.', []],
  ])('BB-CR-4, %s', (_name, reviewers, message, names) => {
    const result = checkRepository('BB-CR-4', { effectiveDefaultReviewers: ok(reviewers) });
    expect({ message: result.message, evidence: result.evidence }).toEqual({ message, evidence: { reviewers: names } });
  });

  it.each<[string, boolean | undefined, string, string, unknown]>([
    ['private', true, 'pass', 'The repository is private.', { isPrivate: true }],
    ['public', false, 'fail', 'The repository is public.', { isPrivate: false }],
    ['not reported', undefined, 'not-evaluable', 'Bitbucket did not report whether the repository is private.', {}],
  ])('BB-REPO-2, %s', (_name, isPrivate, outcome, message, evidence) => {
    const result = checkRepository('BB-REPO-2', { repository: ok(repository({ is_private: isPrivate })) });
    expect({ outcome: result.outcome, message: result.message, evidence: result.evidence }).toEqual({ outcome, message, evidence });
  });

  it.each<[string, Entry[], number, string, string, unknown]>([
    [
      'one administrator',
      [owner('Ada', 'a')],
      3,
      'pass',
      '1 workspace administrator (at most 3).',
      { administrators: ['Ada'], count: 1, maximum: 3 },
    ],
    [
      'at the maximum, one known by account id',
      [owner('Ada', 'a'), owner(undefined, 'b')],
      2,
      'pass',
      '2 workspace administrators (at most 2).',
      { administrators: ['Ada', 'b'], count: 2, maximum: 2 },
    ],
    [
      'one over',
      [owner('Ada', 'a'), owner('Grace', 'g'), { permission: 'collaborator', user: { account_id: 'c', display_name: 'Carl' } }],
      1,
      'fail',
      "2 workspace administrators, more than the policy's 1: Ada, Grace.",
      { administrators: ['Ada', 'Grace'], count: 2, maximum: 1 },
    ],
    [
      'none listed',
      [{ permission: 'collaborator', user: { account_id: 'c' } }],
      3,
      'not-evaluable',
      'Bitbucket listed no workspace administrators, and a workspace always has one: nothing to check.',
      { administrators: [], count: 0, maximum: 3 },
    ],
  ])('BB-AC-2, %s', (_name, entries, maxWorkspaceAdmins, outcome, message, evidence) => {
    const result = checkWorkspace('BB-AC-2', { workspacePermissions: ok(entries) }, { policy: { maxWorkspaceAdmins } });
    expect({ outcome: result.outcome, message: result.message, evidence: result.evidence }).toEqual({ outcome, message, evidence });
  });

  it.each<[boolean, string, string, unknown]>([
    [true, 'pass', 'Pipelines is enabled.', { enabled: true }],
    [false, 'fail', 'Pipelines is disabled.', { enabled: false }],
  ])('BB-CI-2, enabled %s', (enabled, outcome, message, evidence) => {
    const result = checkRepository('BB-CI-2', { pipelinesConfig: ok({ enabled }) });
    expect({ outcome: result.outcome, message: result.message, evidence: result.evidence }).toEqual({ outcome, message, evidence });
  });

  it("a failing or unreadable verdict carries the control's remediation steps; a pass carries none", () => {
    expect(checkRepository('BB-CI-2', { pipelinesConfig: ok({ enabled: false }) }).remediation).toEqual([
      'Open Repository settings → Pipelines → Settings.',
      'Turn on "Enable Pipelines" and commit a bitbucket-pipelines.yml.',
    ]);
    expect(checkRepository('BB-CI-2', { pipelinesConfig: ok({ enabled: true }) }).remediation).toBeUndefined();
  });
});
