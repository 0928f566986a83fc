/**
 * The evidence tab says how much of a period the ledger holds before it shows anything: a period that reaches
 * before a repository's ledger is named, repository by repository.
 */
import { coverageStatement, verifyStatement } from '../../src/frontend/dashboard/evidence';
import { ledgerCoverage } from '../../src/report/coverage';
import type { RepositoryRecord } from '../../src/store/records';

function repository(
  slug: string,
  ledger: { from: string | null; checked: string | null },
  mainBranch: string | null = 'main',
): RepositoryRecord {
  return {
    uuid: `${slug}-uuid`,
    slug,
    fullName: `acme/${slug}`,
    name: slug,
    isPrivate: true,
    mainBranch,
    projectKey: 'CORE',
    htmlUrl: null,
    classification: 'production',
    score: null,
    results: null,
    evaluatedAt: null,
    observedAt: '2026-11-20T08:00:00.362Z',
    cause: 'scheduled-scan',
    requests: 0,
    ledgerFrom: ledger.from,
    ledgerCheckedAt: ledger.checked,
    ledgerBackfill: null,
  };
}

const Q3 = { since: new Date('2026-07-01T00:00:00Z'), until: new Date('2026-10-01T00:00:00Z'), now: new Date('2026-11-22T09:00:00Z') };

describe('the ledger coverage of a period', () => {
  it.each([
    [
      'every ledger read back to the start',
      [repository('api', { from: '2026-06-01T00:00:00.362Z', checked: '2026-11-21T00:00:00.362Z' })],
      1,
      [],
    ],
    [
      'a ledger that starts after the period does',
      [repository('api', { from: '2026-08-24T09:00:00.362Z', checked: '2026-11-21T00:00:00.362Z' })],
      0,
      ['api'],
    ],
    ['a ledger never read', [repository('web', { from: null, checked: null })], 0, ['web']],
    ['an empty repository has nothing to hold', [repository('empty', { from: null, checked: null }, null)], 1, []],
  ])('%s', (_name, repositories, covered, notCovered) => {
    const coverage = ledgerCoverage(repositories, Q3);
    expect(coverage.covered).toBe(covered);
    expect(coverage.notCovered.map((item) => item.slug)).toEqual(notCovered);
    expect(coverage.openUntil).toBeNull();
  });

  it('names what is missing and how to read it, and says when the period has not ended', () => {
    const coverage = ledgerCoverage(
      [
        repository('api', { from: '2026-08-24T09:00:00.362Z', checked: '2026-11-21T00:00:00.362Z' }),
        repository('web', { from: '2026-06-01T00:00:00.362Z', checked: '2026-11-20T00:00:00.362Z' }),
      ],
      { ...Q3, until: new Date('2026-12-01T00:00:00Z') },
    );
    const statement = coverageStatement(coverage);
    expect(statement.complete).toBe(false);
    expect(statement.text).toBe(
      'The period starts before what the ledger holds for 1 of 2 repositories: api (from 2026-08-24). Pull requests merged there before that are missing here. An administrator can read them from Bitbucket here (Read this period from Bitbucket), or run `attest evidence` for this period. The period has not ended: complete up to 2026-11-22.',
    );
    const whole = coverageStatement(
      ledgerCoverage([repository('web', { from: '2026-06-01T00:00:00.362Z', checked: '2026-11-20T00:00:00.362Z' })], Q3),
    );
    expect(whole).toEqual({
      complete: true,
      text: 'The ledger holds the whole period for all 1 repositories you can read. Reconciled with Bitbucket up to 2026-11-20; later merges come from events.',
    });
  });
});

describe('what the Verify button says', () => {
  const repository = (
    slug: string,
    problem: { kind: string; seq: number | null; pullRequestId: number | null; detail: string } | null,
  ) => ({
    slug,
    records: 4,
    links: 4,
    problem,
  });
  it.each([
    [
      'every chain intact',
      { intact: true, records: 8, unverified: 0, repositories: [repository('api', null), repository('web', null)] },
      true,
      ['8 records in 2 repositories match what was recorded.'],
    ],
    [
      'not every repository reached',
      { intact: false, records: 4, unverified: 3, repositories: [repository('api', null)] },
      false,
      [
        '4 records in 1 repositories match what was recorded. 3 repositories were not reached in time: run `attest evidence verify` for all of them.',
      ],
    ],
    [
      'a changed record',
      {
        intact: false,
        records: 8,
        unverified: 0,
        repositories: [
          repository('api', {
            kind: 'changed',
            seq: 2,
            pullRequestId: 2,
            detail: 'the record of pull request #2 was changed after it was kept',
          }),
          repository('web', null),
        ],
      },
      false,
      [
        '1 repositories have evidence that no longer matches what was recorded:',
        'api: the record of pull request #2 was changed after it was kept (position 2).',
      ],
    ],
  ])('%s', (_name, check, intact, lines) => {
    expect(verifyStatement(check)).toEqual({ intact, lines });
  });
});
