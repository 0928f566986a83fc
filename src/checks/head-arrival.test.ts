import type { PullRequestActivity } from '../bitbucket/schemas';
import { headArrival, sameCommit } from './head-arrival';

const HEAD = 'c0ffee0123456789abcdef0123456789abcdef01';
const OLD = 'deadbeef0123456789abcdef0123456789abcdef';
// Dates as Bitbucket writes them (microseconds, +00:00); hashes in the log are 12 characters.
const update = (hash: string, date: string): PullRequestActivity => ({
  update: { date, state: 'OPEN', source: { commit: { hash: hash.slice(0, 12) } } },
});
const approval = (date: string): PullRequestActivity => ({ approval: { date, user: { display_name: 'Grace' } } });

describe('headArrival', () => {
  it.each<[string, PullRequestActivity[], boolean, ReturnType<typeof headArrival>]>([
    [
      'never pushed again: the opening',
      [approval('2026-11-02T10:00:00.000001+00:00'), update(HEAD, '2026-11-01T09:00:00.123456+00:00')],
      false,
      { kind: 'known', at: Date.parse('2026-11-01T09:00:00.123Z'), exact: true },
    ],
    [
      'pushed after opening: the push',
      [
        update(HEAD, '2026-11-02T12:00:00.000000+00:00'),
        approval('2026-11-02T11:00:00.000000+00:00'),
        update(OLD, '2026-11-01T09:00:00.000000+00:00'),
      ],
      false,
      { kind: 'known', at: Date.parse('2026-11-02T12:00:00Z'), exact: true },
    ],
    [
      'order of the log is not trusted',
      [
        update(OLD, '2026-11-01T09:00:00.000000+00:00'),
        update(HEAD, '2026-11-02T12:00:00.000000+00:00'),
        update(HEAD, '2026-11-03T08:00:00.000000+00:00'),
      ],
      false,
      { kind: 'known', at: Date.parse('2026-11-02T12:00:00Z'), exact: true },
    ],
    [
      'pushed back to an earlier commit: the latest arrival counts',
      [
        update(HEAD, '2026-11-01T09:00:00.000000+00:00'),
        update(OLD, '2026-11-02T09:00:00.000000+00:00'),
        update(HEAD, '2026-11-03T09:00:00.000000+00:00'),
      ],
      false,
      { kind: 'known', at: Date.parse('2026-11-03T09:00:00Z'), exact: true },
    ],
    [
      'log cut short, no other commit seen: at or before',
      [update(HEAD, '2026-11-02T12:00:00.000000+00:00')],
      true,
      { kind: 'known', at: Date.parse('2026-11-02T12:00:00Z'), exact: false },
    ],
    [
      'the push is not in the log yet',
      [update(OLD, '2026-11-01T09:00:00.000000+00:00')],
      false,
      { kind: 'unknown', reason: "Bitbucket's activity log does not show the latest push yet" },
    ],
    [
      'the newest update names another commit',
      [update(HEAD, '2026-11-01T09:00:00.000000+00:00'), update(OLD, '2026-11-02T09:00:00.000000+00:00')],
      false,
      { kind: 'unknown', reason: "the newest update in Bitbucket's activity log names another commit than the pull request" },
    ],
  ])('%s', (_name, values, truncated, expected) => {
    expect(headArrival({ values, truncated }, HEAD)).toEqual(expected);
  });

  it('names no head → unknown', () => {
    expect(headArrival({ values: [], truncated: false }, undefined)).toMatchObject({ kind: 'unknown' });
  });

  it('matches short and full hashes, never a prefix too short to mean anything', () => {
    expect(sameCommit(HEAD.slice(0, 12), HEAD)).toBe(true);
    expect(sameCommit(HEAD, HEAD.toUpperCase())).toBe(true);
    expect(sameCommit(OLD.slice(0, 12), HEAD)).toBe(false);
    expect(sameCommit('c0ff', HEAD)).toBe(false);
    // Seven characters is the shortest hash git prints, and enough; six is not.
    expect(sameCommit(HEAD.slice(0, 7), HEAD)).toBe(true);
    expect(sameCommit(HEAD.slice(0, 6), HEAD)).toBe(false);
    expect(sameCommit(HEAD, HEAD.slice(0, 6))).toBe(false);
  });
});
