/** The auditor's sample: reproducible from its seed, without replacement, and fair to every record. */
import type { EvidenceRecord } from '../store/records';
import { drawSample } from './sample';

function population(size: number): EvidenceRecord[] {
  return Array.from({ length: size }, (_, i) => ({
    repositoryUuid: `repo-${i % 7}`,
    repositorySlug: `repo-${i % 7}`,
    pullRequestId: i + 1,
    title: `Change ${i + 1}`,
    author: { accountId: 'a', name: 'Ada' },
    approvers: [],
    builds: [],
    destination: 'main',
    source: `change/${i}`,
    mergeCommit: null,
    mergedAt: new Date(Date.UTC(2026, 6, 1) + i * 3_600_000).toISOString(),
    mergedAtSource: 'activity',
    mergedBy: null,
    url: null,
    independentlyApproved: true,
    passingBuild: true,
    recordedAt: '2026-10-01T00:00:00.184Z',
    origin: 'event',
  }));
}

const ids = (records: EvidenceRecord[]) => records.map((record) => record.pullRequestId);

describe('drawSample', () => {
  const people = population(140);

  it('draws the same records for the same seed, whatever order the ledger listed them in', () => {
    const first = drawSample(people, { size: 25, seed: 'Q3-2026' });
    const shuffled = [...people].reverse();
    expect(ids(drawSample(shuffled, { size: 25, seed: 'Q3-2026' }))).toEqual(ids(first));
    expect(first).toHaveLength(25);
    expect(new Set(ids(first)).size).toBe(25);
    expect(ids(first)).toEqual([...ids(first)].sort((a, b) => a - b));
  });

  it.each([
    ['another seed draws another sample', 140, 25, 'Q3-2026-b', false],
    ['a sample as large as the population is all of it', 20, 25, 'x', true],
  ])('%s', (_name, size, sampleSize, seed, all) => {
    const drawn = ids(drawSample(population(size), { size: sampleSize, seed }));
    if (all) expect(drawn).toEqual(ids(population(size)));
    else expect(drawn).not.toEqual(ids(drawSample(people, { size: 25, seed: 'Q3-2026' })));
  });

  it('gives every record about the same chance: over 2,000 seeds each of 140 is drawn 357 times in expectation', () => {
    const counts = new Map<number, number>();
    for (let seed = 0; seed < 2000; seed++)
      for (const id of ids(drawSample(people, { size: 25, seed: `s${seed}` }))) counts.set(id, (counts.get(id) ?? 0) + 1);
    const values = people.map((record) => counts.get(record.pullRequestId) ?? 0);
    expect(Math.min(...values)).toBeGreaterThan(290);
    expect(Math.max(...values)).toBeLessThan(430);
  });
});
