/**
 * A busy repository gets its review-window verdicts: 300 pull requests merged in the window (900 requests to
 * record, far past one evaluation's budget) are backfilled oldest first over the hourly evaluations, each going
 * on where the last stopped. Until the ledger holds the window, BB-PR-1 and BB-PR-2 are `not-evaluable`, never
 * a pass; then both are evaluated, every merged pull request recorded once.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW } from '../../local/emulator/seeds';
import type { EvidenceRecord, RepositoryRecord } from '../../src/store/records';
import { BUSY_REPOSITORY, busySeed } from '../../local/emulator/busy-seed';

const ROOT = path.resolve(__dirname, '..', '..');
const HOUR = 3_600_000;
const MERGED = 300;

test('300 merged pull requests in the window: backfilled over the hourly evaluations, then BB-PR-1 and BB-PR-2 evaluated', async () => {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(busySeed(MERGED), clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer busy' }, clock });
  const ws = emulator.seed.workspaces[0]!;
  const repo = ws.repositories.find((candidate) => candidate.slug === BUSY_REPOSITORY)!;
  const dump = () => runtime.installation(ws.uuid).kvs.dump();
  const record = () => dump()[`v1:repo:${repo.uuid.replace(/[{}]/g, '')}`] as RepositoryRecord | undefined;
  const reviewOutcomes = () =>
    (record()?.results ?? [])
      .filter((result) => result.control === 'BB-PR-1' || result.control === 'BB-PR-2')
      .map((result) => result.outcome);
  try {
    await runtime.install(ws.uuid);
    let hours = 0;
    let sawBackfill = false;
    for (; hours < 24; hours++) {
      await runtime.runFor(HOUR);
      const outcomes = reviewOutcomes();
      if (record()?.ledgerBackfill) {
        sawBackfill = true;
        // Part way: never a verdict from a ledger that does not hold the window yet.
        expect(outcomes.every((outcome) => outcome === 'not-evaluable')).toBe(true);
      }
      if (outcomes.length === 2 && outcomes.every((outcome) => outcome === 'pass' || outcome === 'fail')) break;
    }
    expect(sawBackfill).toBe(true);
    expect(hours).toBeLessThan(24);
    expect(record()?.ledgerBackfill).toBeNull();
    expect(record()?.ledgerFrom).not.toBeNull();
    const evidence = Object.entries(dump())
      .filter(([key]) => key.startsWith('v1:ev:'))
      .map(([, value]) => value as EvidenceRecord)
      .filter((entry) => entry.repositorySlug === BUSY_REPOSITORY && entry.title.includes('Busy change'));
    expect(evidence).toHaveLength(MERGED);
    expect(new Set(evidence.map((entry) => entry.pullRequestId)).size).toBe(MERGED);
    expect(emulator.log.filter((entry) => entry.status === 429)).toEqual([]);
  } finally {
    await emulator.close();
  }
}, 300_000);
