/**
 * Table-driven tests of the classification, visibility, access and two-step-verification controls, and of
 * exceptions and attestations against the clock.
 */
import { member, ok, repository } from '../builders/snapshot';
import { checkRepository, checkWorkspace } from './harness';

const attestation = (control: string, expiresOn: string) => ({
  control,
  statement: 'Enforced through Okta',
  attestedBy: 'admin-1',
  attestedOn: '2026-01-01',
  expiresOn,
});

describe('BB-REPO-1 Repository is classified', () => {
  it.each([
    ['production → pass', 'production', 'pass'],
    ['non-production → pass', 'non-production', 'pass'],
    ['unclassified → fail', 'unclassified', 'fail'],
  ] as const)('%s', (_name, classification, outcome) => {
    expect(checkRepository('BB-REPO-1', {}, { classification }).outcome).toBe(outcome);
  });
  it('applies to an empty repository', () => {
    expect(checkRepository('BB-REPO-1', {}, { classification: 'unclassified', mainBranch: null }).outcome).toBe('fail');
  });
});

describe('BB-REPO-3 A private repository cannot be forked publicly', () => {
  it.each([
    ['private, forks stay private → pass', { is_private: true, fork_policy: 'no_public_forks' }, 'pass'],
    ['private, no forks → pass', { is_private: true, fork_policy: 'no_forks' }, 'pass'],
    ['private, public forks allowed → fail', { is_private: true, fork_policy: 'allow_forks' }, 'fail'],
    ['public → not applicable (BB-REPO-2 covers it)', { is_private: false, fork_policy: 'allow_forks' }, 'not-applicable'],
    ['private, fork policy left out → not evaluable', { is_private: true }, 'not-evaluable'],
    ['private, a fork policy Attest does not know → not evaluable', { is_private: true, fork_policy: 'ask_an_admin' }, 'not-evaluable'],
    ['visibility left out → not evaluable', { fork_policy: 'no_forks' }, 'not-evaluable'],
  ] as const)('%s', (_name, fields, outcome) => {
    const listed = repository(fields);
    if (!('is_private' in fields)) delete listed.is_private;
    expect(checkRepository('BB-REPO-3', { repository: ok(listed) }).outcome).toBe(outcome);
  });
  it('does not apply to non-production repositories', () => {
    const listed = repository({ is_private: true, fork_policy: 'allow_forks' });
    expect(checkRepository('BB-REPO-3', { repository: ok(listed) }, { classification: 'non-production' }).outcome).toBe('not-applicable');
  });
});

describe('BB-REPO-2 Repository is private', () => {
  it.each([
    ['private → pass', true, 'pass'],
    ['public → fail', false, 'fail'],
  ])('%s', (_name, isPrivate, outcome) => {
    expect(checkRepository('BB-REPO-2', { repository: ok(repository({ is_private: isPrivate })) }).outcome).toBe(outcome);
  });
  it('applies to non-production repositories', () => {
    expect(
      checkRepository('BB-REPO-2', { repository: ok(repository({ is_private: false })) }, { classification: 'non-production' }).outcome,
    ).toBe('fail');
  });
  it('visibility not reported → not-evaluable', () => {
    expect(checkRepository('BB-REPO-2', { repository: ok(repository({ is_private: undefined })) }).outcome).toBe('not-evaluable');
  });
});

describe('exceptions', () => {
  const publicRepo = { repository: ok(repository({ is_private: false })) };
  const exception = (repositoryRef: string, expiresOn: string) => ({
    control: 'BB-REPO-2',
    repository: repositoryRef,
    reason: 'Open source by design',
    approvedBy: 'admin-1',
    expiresOn,
  });
  it.each([
    ['a live exception for the slug → fail, excepted', exception('api', '2027-01-01'), false],
    ['a live exception for the uuid → fail, excepted', exception('{0f3c1a2b-1111-4222-8333-444455556666}', '2027-01-01'), false],
    ['a live exception for every repository → fail, excepted', exception('*', '2027-01-01'), false],
    ['an expired exception → fail, shown as expired', exception('api', '2026-11-01'), true],
  ])('%s', (_name, entry, expired) => {
    const result = checkRepository('BB-REPO-2', publicRepo, { policy: { exceptions: [entry] } });
    expect(result).toMatchObject({ outcome: 'fail', exception: { reason: 'Open source by design', expired } });
  });
  it('an exception for another repository has no effect', () => {
    expect(
      checkRepository('BB-REPO-2', publicRepo, { policy: { exceptions: [exception('web', '2027-01-01')] } }).exception,
    ).toBeUndefined();
  });
  it('an exception never changes a not-evaluable result', () => {
    const result = checkRepository(
      'BB-REPO-2',
      { repository: ok(repository({ is_private: undefined })) },
      { policy: { exceptions: [exception('api', '2027-01-01')] } },
    );
    expect(result.outcome).toBe('not-evaluable');
    expect(result.exception).toBeUndefined();
  });
});

describe('BB-AC-1 Offboarded people have no workspace access', () => {
  const offboarded = [{ accountId: 'gone-1', name: 'Former Person', offboardedOn: '2026-10-01' }];
  it.each([
    ['an offboarded person is still a member → fail', [member('gone-1', true), member('here', true)], offboarded, 'fail'],
    ['no offboarded person is a member → pass', [member('here', true)], offboarded, 'pass'],
    ['an empty offboarded list → pass', [member('here', true)], [], 'pass'],
    ['no offboarded list provided → not-evaluable', [member('here', true)], null, 'not-evaluable'],
  ])('%s', (_name, members, list, outcome) => {
    const result = checkWorkspace('BB-AC-1', { members: ok(members) }, { policy: { offboarded: list } });
    expect(result.outcome).toBe(outcome);
    if (outcome === 'not-evaluable') expect(result.remediation!.join(' ')).toContain('offboarded list');
  });
});

describe('BB-AC-2 The workspace has few administrators', () => {
  const owners = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ permission: 'owner', user: { account_id: `o${i}`, display_name: `Owner ${i}` } }));
  it.each([
    ['3 owners, maximum 3 (at the threshold) → pass', owners(3), 'pass'],
    ['4 owners, maximum 3 → fail', owners(4), 'fail'],
    ['collaborators do not count → pass', [...owners(1), { permission: 'collaborator', user: { account_id: 'c' } }], 'pass'],
  ])('%s', (_name, entries, outcome) => {
    expect(checkWorkspace('BB-AC-2', { workspacePermissions: ok(entries) }).outcome).toBe(outcome);
  });
  it('states the count and names on a fail', () => {
    expect(checkWorkspace('BB-AC-2', { workspacePermissions: ok(owners(4)) }).evidence).toMatchObject({ count: 4, maximum: 3 });
  });
});

describe('BB-MFA-1 Every member uses two-step verification', () => {
  it.each([
    ['every member has it → pass', [member('a', true), member('b', true)], [], 'pass'],
    ['a member without it → fail', [member('a', true), member('b', false)], [], 'fail'],
    ['a member without it fails even with an attestation', [member('b', false)], [attestation('BB-MFA-1', '2027-01-01')], 'fail'],
    ['the flag absent, no attestation → not-evaluable', [member('a', true), member('b', undefined)], [], 'not-evaluable'],
    ['the flag absent, a valid attestation → pass', [member('b', undefined)], [attestation('BB-MFA-1', '2027-01-01')], 'pass'],
    [
      'the flag absent, an expired attestation → not-evaluable',
      [member('b', undefined)],
      [attestation('BB-MFA-1', '2026-11-21')],
      'not-evaluable',
    ],
    [
      'the flag absent, an attestation for another control → not-evaluable',
      [member('b', undefined)],
      [attestation('BB-MFA-2', '2027-01-01')],
      'not-evaluable',
    ],
    ['app users are not people → pass', [member('a', true), member('bot', false, { type: 'app_user' })], [], 'pass'],
  ])('%s', (_name, members, attestations, outcome) => {
    expect(checkWorkspace('BB-MFA-1', { members: ok(members) }, { policy: { attestations } }).outcome).toBe(outcome);
  });
});

describe('BB-MFA-2 The workspace requires two-step verification', () => {
  it.each([
    ['a valid attestation → pass', [attestation('BB-MFA-2', '2027-01-01')], 'pass'],
    ['an expired attestation → not-evaluable', [attestation('BB-MFA-2', '2026-11-22T08:59:59Z')], 'not-evaluable'],
    ['no attestation → not-evaluable, never fail', [], 'not-evaluable'],
  ])('%s', (_name, attestations, outcome) => {
    expect(checkWorkspace('BB-MFA-2', {}, { policy: { attestations } }).outcome).toBe(outcome);
  });
});
