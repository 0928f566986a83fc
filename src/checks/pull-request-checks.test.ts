import { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { Policy } from '../policy/policy';
import { evaluatePullRequestChecks, mergeDecision, newestStatusPerKey } from './pull-request-checks';

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
    const checks = evaluatePullRequestChecks(pr({ participants }), passing, policy({ minApprovals }));
    expect(outcome(checks, 'PR-APPROVED')).toMatchObject({ outcome: expected, message });
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
    expect(outcome(evaluatePullRequestChecks(pr(), statuses, policy()), 'PR-BUILD')?.outcome).toBe(expected);
  });

  it('PR-BUILD: statuses that could not be read → not-evaluable, and the merge is blocked by default', () => {
    const error = new BitbucketError('forbidden', '/2.0/x', 403, 'denied');
    const checks = evaluatePullRequestChecks(pr({ participants: [{ user: OTHER, approved: true }] }), error, policy());
    expect(outcome(checks, 'PR-BUILD')?.outcome).toBe('not-evaluable');
    expect(mergeDecision(checks, policy()).success).toBe(false);
    expect(mergeDecision(checks, policy({ mergeCheckOnError: 'allow' })).success).toBe(true);
  });

  it.each([
    ['a reviewer requested changes → fail', [{ user: OTHER, approved: false, state: 'changes_requested' }], 'fail'],
    ['nobody requested changes → pass', [{ user: OTHER, approved: true, state: 'approved' }], 'pass'],
  ])('PR-NO-CHANGES-REQUESTED: %s', (_name, participants, expected) => {
    expect(outcome(evaluatePullRequestChecks(pr({ participants }), passing, policy()), 'PR-NO-CHANGES-REQUESTED')?.outcome).toBe(expected);
  });

  it.each([
    ['no pattern in the policy → not-applicable', null, 'ACME-1: fix', 'not-applicable'],
    ['the title names an issue → pass', '[A-Z]+-\\d+', 'ACME-1: fix', 'pass'],
    ['neither title nor branch names one → fail', '[A-Z]+-\\d+', 'fix things', 'fail'],
  ])('PR-ISSUE-KEY: %s', (_name, issueKeyPattern, title, expected) => {
    expect(outcome(evaluatePullRequestChecks(pr({ title }), passing, policy({ issueKeyPattern })), 'PR-ISSUE-KEY')?.outcome).toBe(expected);
  });

  it('names every failing check on its own line', () => {
    const checks = evaluatePullRequestChecks(
      pr({ participants: [{ user: OTHER, approved: false, state: 'changes_requested' }] }),
      [],
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
