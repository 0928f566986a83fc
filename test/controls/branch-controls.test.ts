/**
 * Table-driven tests of the branch-protection and code-review controls: pass, fail, not-applicable, and
 * the boundaries docs/controls.md names (glob patterns, branching-model resolution, thresholds, several
 * restrictions of one kind, service accounts, smart_reset versus reset, enforced versus advisory).
 */
import type { BranchRestriction } from '../../src/bitbucket/schemas';
import { model, ok, restriction } from '../builders/snapshot';
import { checkRepository } from './harness';

const with_ = (...restrictions: BranchRestriction[]) => ({ branchRestrictions: ok(restrictions) });

describe('BB-BP-1 Main branch blocks direct pushes', () => {
  it.each([
    ['a push restriction on `main` → pass', with_(restriction('push', { pattern: 'main' })), 'main', 'pass'],
    ['a push restriction on `*` → pass', with_(restriction('push', { pattern: '*' })), 'main', 'pass'],
    ['a push restriction on `ma*` → pass', with_(restriction('push', { pattern: 'ma*' })), 'main', 'pass'],
    ['a push restriction on `release/*` only → fail', with_(restriction('push', { pattern: 'release/*' })), 'main', 'fail'],
    [
      'a push restriction on `main` when the main branch is `master` → fail',
      with_(restriction('push', { pattern: 'main' })),
      'master',
      'fail',
    ],
    [
      'a `release/*` push restriction when the main branch is `release/2026` → pass',
      with_(restriction('push', { pattern: 'release/*' })),
      'release/2026',
      'pass',
    ],
    ['only a force restriction → fail', with_(restriction('force')), 'main', 'fail'],
    ['no restrictions → fail', with_(), 'main', 'fail'],
  ])('%s', (_name, data, mainBranch, outcome) => {
    expect(checkRepository('BB-BP-1', data, { mainBranch }).outcome).toBe(outcome);
  });

  it('lists who may still push on a pass', () => {
    const result = checkRepository(
      'BB-BP-1',
      with_(restriction('push', { users: [{ account_id: 'bot', display_name: 'Deploy Bot' }], groups: [{ slug: 'leads' }] })),
    );
    expect(result).toMatchObject({ outcome: 'pass', evidence: { allowed: ['Deploy Bot', 'leads'] } });
    expect(result.remediation).toBeUndefined();
  });

  it('an empty repository → not-applicable', () => {
    expect(checkRepository('BB-BP-1', with_(), { mainBranch: null })).toMatchObject({
      outcome: 'not-applicable',
      message: 'The repository is empty: it has no main branch.',
    });
  });

  it('a non-production repository → not-applicable', () => {
    expect(checkRepository('BB-BP-1', with_(), { classification: 'non-production' }).outcome).toBe('not-applicable');
  });

  it('an unclassified repository is evaluated as production', () => {
    expect(checkRepository('BB-BP-1', with_(), { classification: 'unclassified' }).outcome).toBe('fail');
  });
});

describe('branching_model restrictions', () => {
  const byModel = (kind: string, branch_type: string) =>
    restriction(kind, { branch_match_kind: 'branching_model', pattern: '', branch_type });
  it.each([
    ['development on the main branch (use_mainbranch) → pass', byModel('push', 'development'), model(), 'pass'],
    [
      'development named as the main branch → pass',
      byModel('push', 'development'),
      model({ development: { use_mainbranch: false, branch: { name: 'main' } } }),
      'pass',
    ],
    [
      'development on another branch → fail',
      byModel('push', 'development'),
      model({ development: { use_mainbranch: false, branch: { name: 'develop' } } }),
      'fail',
    ],
    ['production on the main branch → pass', byModel('push', 'production'), model({ production: { use_mainbranch: true } }), 'pass'],
    [
      'production on another branch → fail',
      byModel('push', 'production'),
      model({ production: { use_mainbranch: false, branch: { name: 'production' } } }),
      'fail',
    ],
    ['production disabled → fail', byModel('push', 'production'), model({ production: null }), 'fail'],
    ['a feature prefix that the main branch does not start with → fail', byModel('push', 'feature'), model(), 'fail'],
  ])('%s', (_name, rule, effective, outcome) => {
    expect(checkRepository('BB-BP-1', { branchRestrictions: ok([rule]), effectiveBranchingModel: ok(effective) }).outcome).toBe(outcome);
  });

  it('a release prefix the main branch starts with → pass', () => {
    expect(
      checkRepository(
        'BB-BP-1',
        { branchRestrictions: ok([byModel('push', 'release')]), effectiveBranchingModel: ok(model()) },
        { mainBranch: 'release/1' },
      ).outcome,
    ).toBe('pass');
  });
});

describe.each([
  ['BB-BP-2', 'force'],
  ['BB-BP-3', 'delete'],
  ['BB-BP-4', 'enforce_merge_checks'],
])('%s (%s restriction)', (id, kind) => {
  it.each([
    [`a ${kind} restriction on main → pass`, [restriction(kind)], 'pass'],
    [`a ${kind} restriction on \`*\` → pass`, [restriction(kind, { pattern: '*' })], 'pass'],
    [`a ${kind} restriction on another branch → fail`, [restriction(kind, { pattern: 'develop' })], 'fail'],
    ['no restriction → fail', [], 'fail'],
  ])('%s', (_name, restrictions, outcome) => {
    const result = checkRepository(id, with_(...restrictions));
    expect(result.outcome).toBe(outcome);
    if (outcome === 'fail') expect(result.remediation!.length).toBeGreaterThan(0);
    else expect(result.remediation).toBeUndefined();
  });
});

describe('BB-BP-5 Nobody bypasses the push restriction', () => {
  const bot = { account_id: 'bot-id', display_name: 'Deploy Bot' };
  const person = { account_id: 'person-id', display_name: 'Ada' };
  it.each([
    ['nobody listed → pass', [restriction('push')], [], 'pass'],
    ['only a service account listed → pass', [restriction('push', { users: [bot] })], ['bot-id'], 'pass'],
    ['a service account not declared in the policy → fail', [restriction('push', { users: [bot] })], [], 'fail'],
    ['a person listed → fail', [restriction('push', { users: [person, bot] })], ['bot-id'], 'fail'],
    ['a group listed → fail', [restriction('push', { groups: [{ slug: 'leads' }] })], [], 'fail'],
    [
      'a second push restriction that applies lists a person → fail',
      [restriction('push'), restriction('push', { pattern: '*', users: [person] })],
      [],
      'fail',
    ],
    ['no push restriction → not-applicable', [restriction('force')], [], 'not-applicable'],
  ])('%s', (_name, restrictions, serviceAccounts, outcome) => {
    expect(checkRepository('BB-BP-5', with_(...restrictions), { policy: { serviceAccounts } }).outcome).toBe(outcome);
  });

  it('names the bypassing users and groups', () => {
    const result = checkRepository('BB-BP-5', with_(restriction('push', { users: [person], groups: [{ slug: 'leads' }] })));
    expect(result.evidence.bypassing).toEqual({ users: [{ accountId: 'person-id', name: 'Ada' }], groups: ['leads'] });
    expect(result.message).toBe('These can push to main without review: Ada, group leads.');
  });
});

describe('BB-CR-1 Pull requests into main need enough approvals', () => {
  const approvals = (value: number, pattern = 'main') => restriction('require_approvals_to_merge', { value, pattern });
  it.each([
    ['1 required, policy 1, enforced → pass (enforced)', [approvals(1), restriction('enforce_merge_checks')], 1, 'pass', true],
    ['1 required, policy 1, not enforced → pass (advisory)', [approvals(1)], 1, 'pass', false],
    ['1 required, policy 2 → fail', [approvals(1)], 2, 'fail', undefined],
    ['2 required, policy 2 (at the threshold) → pass', [approvals(2)], 2, 'pass', false],
    ['0 required → fail', [approvals(0)], 1, 'fail', undefined],
    ['1 on main and 3 on `*`: the largest applies → pass', [approvals(1), approvals(3, '*')], 3, 'pass', false],
    ['3 on another branch only → fail with 0', [approvals(3, 'develop')], 1, 'fail', undefined],
    [
      'enforcement on another branch → advisory',
      [approvals(1), restriction('enforce_merge_checks', { pattern: 'develop' })],
      1,
      'pass',
      false,
    ],
  ])('%s', (_name, restrictions, minApprovals, outcome, enforced) => {
    const result = checkRepository('BB-CR-1', with_(...restrictions), { policy: { minApprovals } });
    expect(result.outcome).toBe(outcome);
    expect(result.enforced).toBe(enforced);
  });

  it('reports the configured value on a fail (0 when none)', () => {
    expect(checkRepository('BB-CR-1', with_())).toMatchObject({
      outcome: 'fail',
      evidence: { configured: 0, required: 1 },
      message: '0 approvals required to merge into main; the policy asks for 1.',
    });
  });
});

describe('BB-CR-2 Approvals reset when the pull request changes', () => {
  it.each([
    ['reset on change → pass', [restriction('reset_pullrequest_approvals_on_change')], 'pass'],
    ['smart reset → pass', [restriction('smart_reset_pullrequest_approvals')], 'pass'],
    ['reset on another branch → fail', [restriction('reset_pullrequest_approvals_on_change', { pattern: 'develop' })], 'fail'],
    ['only "reset requested changes" → fail', [restriction('reset_pullrequest_changes_requested_on_change')], 'fail'],
  ])('%s', (_name, restrictions, outcome) => {
    expect(checkRepository('BB-CR-2', with_(...restrictions)).outcome).toBe(outcome);
  });
});

describe('BB-CR-3 Requested changes block the merge', () => {
  it.each([
    [
      'no-changes-requested with enforcement → pass (enforced)',
      [restriction('require_no_changes_requested'), restriction('enforce_merge_checks')],
      'pass',
      true,
    ],
    ['no-changes-requested without enforcement → pass (advisory)', [restriction('require_no_changes_requested')], 'pass', false],
    ['none → fail', [], 'fail', undefined],
  ])('%s', (_name, restrictions, outcome, enforced) => {
    const result = checkRepository('BB-CR-3', with_(...restrictions));
    expect([result.outcome, result.enforced]).toEqual([outcome, enforced]);
  });
});

describe('BB-CR-4 Default reviewers are assigned', () => {
  it.each([
    ['one effective default reviewer → pass', [{ reviewer_type: 'project', user: { display_name: 'Grace' } }], 'pass'],
    ['none → fail', [], 'fail'],
  ])('%s', (_name, reviewers, outcome) => {
    expect(checkRepository('BB-CR-4', { effectiveDefaultReviewers: ok(reviewers) }).outcome).toBe(outcome);
  });
});

describe('BB-CI-1 Merges into main need a passing build', () => {
  const builds = (value: number, pattern = 'main') => restriction('require_passing_builds_to_merge', { value, pattern });
  it.each([
    ['1 passing build required → pass', [builds(1)], 'pass'],
    ['0 required → fail', [builds(0)], 'fail'],
    ['0 on main and 2 on `*` → pass', [builds(0), builds(2, '*')], 'pass'],
    ['only on another branch → fail', [builds(1, 'develop')], 'fail'],
    ['none → fail', [], 'fail'],
  ])('%s', (_name, restrictions, outcome) => {
    expect(checkRepository('BB-CI-1', with_(...restrictions)).outcome).toBe(outcome);
  });
});
