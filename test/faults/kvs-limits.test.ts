/**
 * KVS past its limits: the demo install's storage load put at twice Forge's per-installation rate (the
 * local KVS's per-minute limits scaled to half the load's measured busiest minute, so it answers 429
 * RATE_LIMIT_EXCEEDED as Forge does past them). The app retries through the queue and its triggers, and
 * after the storm everything the unlimited run stored is there: every repository's verdicts, every evidence
 * record once.
 */
import path from 'node:path';
import { SimClock } from '../../local/runtime/clock';
import { KVS_LIMITS, type KvsOptions } from '../../local/runtime/kvs';
import { LocalForgeRuntime } from '../../local/runtime/runtime';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';
import type { EvidenceRecord, RepositoryRecord } from '../../src/store/records';

const ROOT = path.resolve(__dirname, '..', '..');
const HOUR = 3_600_000;

async function run(kvs: KvsOptions, hours: number) {
  const clock = new SimClock(DEMO_NOW);
  const emulator = new BitbucketEmulator(demoSeed(), clock);
  await emulator.listen();
  const runtime = new LocalForgeRuntime({ root: ROOT, bitbucketBaseUrl: emulator.url, auth: { app: 'Bearer kvs-limits' }, clock, kvs });
  const ws = emulator.seed.workspaces[0]!.uuid;
  try {
    await runtime.install(ws);
    await runtime.runFor(hours * HOUR);
    const store = runtime.installation(ws).kvs;
    const dump = store.dump();
    const records = Object.entries(dump)
      .filter(([key]) => key.startsWith('v1:repo:'))
      .map(([, value]) => value as RepositoryRecord);
    const evidence = Object.entries(dump)
      .filter(([key]) => key.startsWith('v1:ev:'))
      .map(([, value]) => value as EvidenceRecord);
    return { records, evidence, stats: { ...store.stats }, invocations: runtime.invocations };
  } finally {
    await emulator.close();
  }
}

const verdicts = (records: RepositoryRecord[]) =>
  new Map(
    records.flatMap((record) => (record.results ?? []).map((result) => [`${record.slug}:${result.control}`, result.outcome] as const)),
  );

describe('KVS refusing at twice its per-minute limits during the install', () => {
  test('the app retries and loses nothing: the same verdicts and evidence as without limits', async () => {
    const free = await run({ rateLimits: 'count' }, 4);
    const busiest = Math.max(free.stats.peakReadUnitsPerMinute, free.stats.peakWriteUnitsPerMinute);
    const scale = busiest / 2 / Math.max(KVS_LIMITS.readUnitsPerMinute, KVS_LIMITS.writeUnitsPerMinute);
    const limited = await run({ rateLimits: 'enforce', limitScale: scale }, 8);
    // The limits were hit (10 to 18 refusals in measured runs: how many depends on the order deliveries run in).
    expect(limited.stats.rateLimited).toBeGreaterThan(0);
    // Nothing lost: every repository evaluated, with the verdicts of the unlimited run; every evidence record once.
    expect(limited.records.filter((record) => record.evaluatedAt !== null)).toHaveLength(free.records.length);
    expect(verdicts(limited.records)).toEqual(verdicts(free.records));
    const ids = (evidence: EvidenceRecord[]) => evidence.map((record) => `${record.repositoryUuid}:${record.pullRequestId}`).sort();
    expect(ids(limited.evidence)).toEqual(ids(free.evidence));
  }, 300_000);
});
