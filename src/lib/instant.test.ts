/**
 * Timestamps in every form Bitbucket and Forge write them (`Z` or `+00:00`, other offsets, 0, 3 or 6
 * fractional digits: the OpenAPI examples, the recorded responses) become one instant, and every KVS key
 * built from one is accepted by the documented key pattern and sorts by time.
 */
import { keys } from '../store/keys';
import { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { evidenceRecord } from '../services/evidence';
import { instantMs, toInstant } from './instant';

/** The KVS key pattern (https://developer.atlassian.com/platform/forge/limits-kvs-ce/). */
const KEY = /^(?!\s+$)[a-zA-Z0-9:._\s\-#]+$/;
const REPO = '{0f3c1a2b-1111-4222-8333-444455556666}';

/** Deterministic instants over 2020–2030, with their millisecond parts. */
function instants(count: number): number[] {
  let state = 7;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return Date.UTC(2020, 0, 1) + Math.floor((state / 0x7fffffff) * 10 * 365 * 86_400_000);
  });
}

/** The forms one instant can be written in, each naming exactly that instant (to the millisecond). */
function forms(ms: number): string[] {
  const iso = new Date(ms).toISOString(); // 2026-11-24T13:14:48.599Z
  const base = iso.slice(0, 19);
  const millis = iso.slice(20, 23);
  const shifted = new Date(ms + 5.5 * 3_600_000).toISOString().slice(0, 19); // the same instant at +05:30
  const out = [
    `${base}.${millis}Z`,
    `${base}.${millis}+00:00`,
    `${base}.${millis}871+00:00`,
    `${base}.${millis}000Z`,
    `${shifted}.${millis}+05:30`,
    `${shifted}.${millis}+0530`,
  ];
  if (millis === '000') out.push(`${base}Z`, `${base}+00:00`);
  return out;
}

describe('Bitbucket timestamps', () => {
  it.each(instants(200).map((ms) => [new Date(ms).toISOString(), ms] as const))(
    '%s in every form is one instant, in keys KVS accepts',
    (_label, ms) => {
      const expected = new Date(ms).toISOString();
      for (const form of forms(ms)) {
        expect(toInstant(form)).toBe(expected);
        const evidenceKey = keys.evidenceByDate(form, REPO, 7);
        expect(evidenceKey).toMatch(KEY);
        expect(evidenceKey).toBe(keys.evidenceByDate(expected, REPO, 7));
        expect(keys.history(form, REPO, 'BB-BP-1')).toMatch(KEY);
      }
    },
  );

  it('keys sort by time whatever form the times came in', () => {
    const sorted = instants(100).sort((a, b) => a - b);
    const built = sorted.map((ms, i) => keys.evidenceByDate(forms(ms)[i % 6]!, REPO, 1));
    expect([...built].sort()).toEqual(built);
  });

  it.each([
    ['2026-02-30T00:00:00Z', 'an impossible date'],
    ['07/01/2026', 'not ISO 8601'],
    ['2026-11-24T13:14:48', 'no offset: not an instant'],
    ['2026-11-24', 'a date, not a date-time'],
    ['', 'empty'],
  ])('refuses %j (%s)', (value) => {
    expect(toInstant(value)).toBeNull();
    expect(Number.isNaN(instantMs(value))).toBe(true);
    expect(() => keys.evidenceByDate(value, REPO, 1)).toThrow(/mergedAt is not an ISO 8601 date-time/);
  });

  it('stores evidence times as instants, whatever form Bitbucket sent', () => {
    const record = evidenceRecord(
      {
        repository: { uuid: REPO, slug: 'api' },
        pr: PullRequest.parse({
          id: 7,
          title: 'Fix',
          state: 'MERGED',
          author: { account_id: 'a', display_name: 'A' },
          participants: [
            { user: { account_id: 'b', display_name: 'B' }, approved: true, participated_on: '2026-09-30T21:00:00.123456+00:00' },
          ],
          source: { branch: { name: 'fix' } },
          destination: { branch: { name: 'main' } },
          updated_on: '2026-09-30T23:59:59.999999+00:00',
        }),
        statuses: [CommitStatus.parse({ key: 'ci', state: 'SUCCESSFUL', updated_on: '2026-09-30T22:00:00+00:00' })],
      },
      {
        mergedAt: '2026-10-01T01:59:59.999999+02:00',
        mergedAtSource: 'event',
        origin: 'event',
        recordedAt: new Date('2026-10-01T00:00:00Z'),
      },
    );
    expect(record.mergedAt).toBe('2026-09-30T23:59:59.999Z');
    expect(record.approvers[0]!.approvedAt).toBe('2026-09-30T21:00:00.123Z');
    expect(record.builds[0]!.at).toBe('2026-09-30T22:00:00.000Z');
  });
});
