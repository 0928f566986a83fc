import { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { Policy } from '../policy/policy';
import type { HeadArrival } from './head-arrival';
import { evaluatePullRequestChecks, mergeDecision, needsHeadArrival, newestStatusPerKey } from './pull-request-checks';

const AUTHOR = { uuid: '{a}', account_id: 'author', display_name: 'Ada' };
const OTHER = { uuid: '{b}', account_id: 'other', display_name: 'Grace' };
const THIRD = { uuid: '{c}', account_id: 'third', display_name: 'Alan' };

function pr(overrides: Partial<PullRequest> = {}): PullRequest {
  return {
    id: 7,
    title: 'ACME-1: fix',
    state: 'OPEN',
    author: AUTHOR,
    source: { branch: { name: 'feature/x' } },
    destination: { branch: { name: 'main' } },
    participants: [],
    ...overrides,
  };
}
function status(key: string, state: string, at: string, refname: string | null = 'feature/x'): CommitStatus {
  return { key, state, refname, created_on: at, updated_on: at };
}
const passing = [status('ci', 'SUCCESSFUL', '2026-11-01T00:00:00Z')];
const policy = (input: Record<string, unknown> = {}) => Policy.parse(input);
const outcome = (checks: ReturnType<typeof evaluatePullRequestChecks>, id: string) => checks.find((check) => check.id === id);

describe('pull-request checks', () => {
  it.each([
    [
      'approved only by the author → fail',
      [{ user: AUTHOR, approved: true }],
      1,
      'fail',
      'needs 1 more approval from someone other than the author',
    ],
    ['approved by another person → pass', [{ user: OTHER, approved: true }], 1, 'pass', 'approved by 1 person other than the author'],
    [
      'one of two required approvals → fail',
      [{ user: OTHER, approved: true }],
      2,
      'fail',
      'needs 1 more approval from someone other than the author',
    ],
    [
      'two of two required approvals → pass',
      [
        { user: OTHER, approved: true },
        { user: THIRD, approved: true },
      ],
      2,
      'pass',
      'approved by 2 people other than the author',
    ],
    [
      'a reviewer who has not approved → fail',
      [{ user: OTHER, approved: false }],
      1,
      'fail',
      'needs 1 more approval from someone other than the author',
    ],
    ['zero required approvals → pass', [], 0, 'pass', 'approved by 0 people other than the author'],
  ])('PR-APPROVED: %s', (_name, participants, minApprovals, expected, message) => {
    const checks = evaluatePullRequestChecks(
      pr({ participants }),
      { statuses: passing },
      policy({ minApprovals, requireApprovalOfHead: false }),
    );
    expect(outcome(checks, 'PR-APPROVED')).toMatchObject({ outcome: expected, message });
  });

  // Approvals of the current head only (requireApprovalOfHead, the default). The head arrived at 12:00.
  const atNoon: HeadArrival = { kind: 'known', at: Date.parse('2026-11-02T12:00:00Z'), exact: true };
  const before = '2026-11-02T11:59:59.999999+00:00';
  const after = '2026-11-02T12:00:00.000001+00:00';
  it.each<[string, Array<Record<string, unknown>>, number, HeadArrival | null, string, string]>([
    [
      'approved after the push → pass',
      [{ user: OTHER, approved: true, participated_on: after }],
      1,
      atNoon,
      'pass',
      'approved since the latest push by 1 person other than the author',
    ],
    [
      'approved before the push → fail, naming who',
      [{ user: OTHER, approved: true, participated_on: before }],
      1,
      atNoon,
      'fail',
      'needs 1 more approval of the latest commit: Grace approved before the author pushed again',
    ],
    [
      'one fresh of two needed → fail',
      [
        { user: OTHER, approved: true, participated_on: before },
        { user: THIRD, approved: true, participated_on: after },
      ],
      2,
      atNoon,
      'fail',
      'needs 1 more approval of the latest commit: Grace approved before the author pushed again',
    ],
    [
      'approval time missing → not evaluable',
      [{ user: OTHER, approved: true, participated_on: null }],
      1,
      atNoon,
      'not-evaluable',
      'cannot tell whether Grace approved before or after the latest push',
    ],
    [
      'log cut short: an approval before what was read is not counted',
      [{ user: OTHER, approved: true, participated_on: before }],
      1,
      { ...atNoon, exact: false },
      'not-evaluable',
      'cannot tell whether Grace approved before or after the latest push',
    ],
    [
      'head arrival unknown → not evaluable with the reason',
      [{ user: OTHER, approved: true, participated_on: after }],
      1,
      { kind: 'unknown', reason: 'the activity log could not be read (HTTP 500)' },
      'not-evaluable',
      'cannot tell whether the approvals came after the latest push: the activity log could not be read (HTTP 500)',
    ],
    [
      'activity not read → never a pass',
      [{ user: OTHER, approved: true, participated_on: after }],
      1,
      null,
      'not-evaluable',
      'cannot tell whether the approvals came after the latest push: the activity log was not read',
    ],
  ])('PR-APPROVED of the head: %s', (_name, participants, minApprovals, head, expected, message) => {
    const checks = evaluatePullRequestChecks(pr({ participants }), { statuses: passing, head }, policy({ minApprovals }));
    expect(outcome(checks, 'PR-APPROVED')).toMatchObject({ outcome: expected, message });
  });

  it('reads the activity log only when the approvals would otherwise suffice', () => {
    expect(needsHeadArrival(pr({ participants: [{ user: OTHER, approved: true }] }), policy())).toBe(true);
    expect(needsHeadArrival(pr({ participants: [{ user: AUTHOR, approved: true }] }), policy())).toBe(false);
    expect(needsHeadArrival(pr({ participants: [{ user: OTHER, approved: true }] }), policy({ requireApprovalOfHead: false }))).toBe(false);
    expect(needsHeadArrival(pr({ participants: [] }), policy({ minApprovals: 0 }))).toBe(false);
  });

  it.each([
    [
      'the newest status per key passed → pass',
      [status('ci', 'FAILED', '2026-11-01T00:00:00Z'), status('ci', 'SUCCESSFUL', '2026-11-02T00:00:00Z')],
      'pass',
    ],
    [
      'a newer failure supersedes an older success → fail',
      [status('ci', 'SUCCESSFUL', '2026-11-01T00:00:00Z'), status('ci', 'FAILED', '2026-11-02T00:00:00Z')],
      'fail',
    ],
    [
      'one of two keys still in progress → fail',
      [status('ci', 'SUCCESSFUL', '2026-11-01T00:00:00Z'), status('lint', 'INPROGRESS', '2026-11-01T00:00:00Z')],
      'fail',
    ],
    ['no status at all → fail', [], 'fail'],
    ['only statuses for another branch → fail', [status('ci', 'SUCCESSFUL', '2026-11-01T00:00:00Z', 'other')], 'fail'],
  ])('PR-BUILD: %s', (_name, statuses, expected) => {
    expect(outcome(evaluatePullRequestChecks(pr(), { statuses }, policy()), 'PR-BUILD')?.outcome).toBe(expected);
  });

  it.each<[string, CommitStatus[], string]>([
    ['one build passed', [status('ci', 'SUCCESSFUL', '2026-11-01T00:00:00Z')], '1 build passed'],
    [
      'two builds passed, one reported without a branch',
      [status('ci', 'SUCCESSFUL', '2026-11-01T00:00:00Z'), status('lint', 'SUCCESSFUL', '2026-11-01T00:00:00Z', null)],
      '2 builds passed',
    ],
    [
      'each state in words, by name',
      [
        { ...status('a', 'FAILED', '2026-11-01T00:00:00Z'), name: 'Unit tests' },
        status('b', 'INPROGRESS', '2026-11-01T00:00:00Z'),
        status('c', 'STOPPED', '2026-11-01T00:00:00Z'),
        status('d', 'PAUSED', '2026-11-01T00:00:00Z'),
      ],
      'the latest build did not pass: Unit tests failed, b is still running, c was stopped, d paused',
    ],
  ])('PR-BUILD says: %s', (_name, statuses, message) => {
    expect(outcome(evaluatePullRequestChecks(pr(), { statuses }, policy()), 'PR-BUILD')?.message).toBe(message);
  });

  it('PR-ISSUE-KEY: the source branch alone may name the issue', () => {
    const checks = evaluatePullRequestChecks(
      pr({ title: 'fix things', source: { branch: { name: 'feature/ACME-9-fix' } } }),
      { statuses: passing },
      policy({ issueKeyPattern: '[A-Z]+-\\d+' }),
    );
    expect(outcome(checks, 'PR-ISSUE-KEY')).toMatchObject({ outcome: 'pass', message: 'the title or source branch names an issue' });
  });

  it('newestStatusPerKey: the newest of each key, by update time, sorted by key', () => {
    const newest = newestStatusPerKey([
      status('b', 'FAILED', '2026-11-02T00:00:00Z'),
      status('a', 'SUCCESSFUL', '2026-11-01T00:00:00Z'),
      status('b', 'SUCCESSFUL', '2026-11-01T00:00:00Z'),
    ]);
    expect(newest.map((item) => [item.key, item.state])).toEqual([
      ['a', 'SUCCESSFUL'],
      ['b', 'FAILED'],
    ]);
  });

  it('PR-BUILD: statuses that could not be read → not-evaluable, and the merge is blocked by default', () => {
    const error = new BitbucketError('forbidden', '/2.0/x', 403, 'denied');
    const checks = evaluatePullRequestChecks(pr({ participants: [{ user: OTHER, approved: true }] }), { statuses: error }, policy());
    expect(outcome(checks, 'PR-BUILD')?.outcome).toBe('not-evaluable');
    expect(mergeDecision(checks, policy()).success).toBe(false);
    expect(mergeDecision(checks, policy({ mergeCheckOnError: 'allow' })).success).toBe(true);
  });

  it.each([
    ['a reviewer requested changes → fail', [{ user: OTHER, approved: false, state: 'changes_requested' }], 'fail'],
    ['nobody requested changes → pass', [{ user: OTHER, approved: true, state: 'approved' }], 'pass'],
  ])('PR-NO-CHANGES-REQUESTED: %s', (_name, participants, expected) => {
    expect(
      outcome(evaluatePullRequestChecks(pr({ participants }), { statuses: passing }, policy()), 'PR-NO-CHANGES-REQUESTED')?.outcome,
    ).toBe(expected);
  });

  it.each([
    ['no pattern in the policy → not-applicable', null, 'ACME-1: fix', 'not-applicable'],
    ['the title names an issue → pass', '[A-Z]+-\\d+', 'ACME-1: fix', 'pass'],
    ['neither title nor branch names one → fail', '[A-Z]+-\\d+', 'fix things', 'fail'],
  ])('PR-ISSUE-KEY: %s', (_name, issueKeyPattern, title, expected) => {
    expect(
      outcome(evaluatePullRequestChecks(pr({ title }), { statuses: passing }, policy({ issueKeyPattern })), 'PR-ISSUE-KEY')?.outcome,
    ).toBe(expected);
  });

  it('names every failing check on its own line', () => {
    const checks = evaluatePullRequestChecks(
      pr({ participants: [{ user: OTHER, approved: false, state: 'changes_requested' }] }),
      { statuses: [] },
      policy(),
    );
    expect(mergeDecision(checks, policy()).message.split('\n')).toEqual([
      'Needs 1 more approval from someone other than the author.',
      'No build has reported on the latest commit.',
      'Changes requested by Grace.',
    ]);
  });

  it('keeps the newest status per key', () => {
    expect(
      newestStatusPerKey([
        status('b', 'FAILED', '2026-01-01T00:00:00Z'),
        status('a', 'FAILED', '2026-01-01T00:00:00Z'),
        status('a', 'SUCCESSFUL', '2026-01-02T00:00:00Z'),
      ]).map((s) => [s.key, s.state]),
    ).toEqual([
      ['a', 'SUCCESSFUL'],
      ['b', 'FAILED'],
    ]);
  });
});
