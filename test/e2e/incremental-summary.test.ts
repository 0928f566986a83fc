/**
 * The summary is kept incrementally: a rebuild folds in the repository records changed since the last one (each
 * record is written with a change marker in its transaction) and never reads the others, and what it builds is
 * exactly what reading every record builds, whatever KVS interleaves with it.
 */
import type { LocalForgeRuntime } from '../../local/runtime/runtime';
import type { SimClock } from '../../local/runtime/clock';
import type { BitbucketEmulator } from '../../local/emulator/server';
import { generateWorkspace } from '../../local/emulator/seeds';
import { seeded, startSandbox } from '../engine/sandbox';
import { createStore, type Store } from '../../src/store/store';
import { keys } from '../../src/store/keys';
import { indexRow, rebuildSummary } from '../../src/services/summary';
import type { RepositoryRecord } from '../../src/store/records';

describe('the incremental summary', () => {
  const random = seeded(2016);
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let clock: SimClock;
  let workspace: string;

  beforeAll(async () => {
    ({ emulator, runtime, clock } = await startSandbox(generateWorkspace(60, 7), { kvsTurns: () => Math.floor(random() * 4) }));
    workspace = emulator.seed.workspaces[0]!.uuid;
    await runtime.install(workspace);
    await runtime.drainQueues();
  });
  afterAll(() => emulator.close());

  const inStore = <T>(fn: (store: Store) => Promise<T>): Promise<T> => runtime.withInstallation(workspace, () => fn(createStore()));
  const at = () => new Date(clock.now());
  const storedKeys = (prefix: string) => Object.keys(runtime.installation(workspace).kvs.dump()).filter((key) => key.startsWith(prefix));

  /** What a rebuild that reads every record makes: the rows and the totals (without when it was made). */
  async function fromEveryRecord() {
    const records = await inStore((store) => store.listRepositories());
    return records.map(indexRow).sort((a, b) => a.slug.localeCompare(b.slug));
  }
  async function summaryNow() {
    const summary = await inStore((store) => store.getSummary());
    const { generatedAt: _at, foldedThrough: _through, chunks: _chunks, generation: _generation, ...totals } = summary!.meta;
    return { rows: summary!.rows, totals };
  }

  test('after the install scan, a rebuild folds in only what changed: one record read, one chunk written', async () => {
    await inStore((store) => rebuildSummary(store, at()));
    clock.advance(10 * 60_000);
    const settled = await inStore((store) => rebuildSummary(store, at()));
    expect(settled.mode).toBe('incremental');
    const records = await inStore((store) => store.listRepositories());
    const changed: RepositoryRecord = { ...records[3]!, evaluatedAt: at().toISOString(), score: 12, results: [] };
    await inStore((store) => store.putRepository(changed));
    const rebuilt = await inStore((store) => rebuildSummary(store, at()));
    expect({ mode: rebuilt.mode, recordsRead: rebuilt.recordsRead, chunksWritten: rebuilt.chunksWritten }).toEqual({
      mode: 'incremental',
      recordsRead: 1,
      chunksWritten: 1,
    });
    expect((await summaryNow()).rows).toEqual(await fromEveryRecord());
    expect((await summaryNow()).rows.find((row) => row.uuid === changed.uuid)?.score).toBe(12);
  });

  test('a deleted repository leaves the summary; the totals are those of every record', async () => {
    const records = await inStore((store) => store.listRepositories());
    await inStore((store) => store.deleteRepository(records[0]!.uuid));
    await inStore((store) => rebuildSummary(store, at()));
    const incremental = await summaryNow();
    expect(incremental.rows.map((row) => row.uuid)).not.toContain(records[0]!.uuid);
    expect(incremental.rows).toEqual(await fromEveryRecord());
    // A summary built from nothing (every record read) has the same totals.
    await inStore(async () => {
      const { kvs } = await import('@forge/kvs');
      await kvs.delete(keys.summaryMeta());
    });
    const full = await inStore((store) => rebuildSummary(store, at()));
    expect(full.mode).toBe('full');
    expect(await summaryNow()).toEqual(incremental);
  });

  test('writes racing rebuilds in random interleavings: nothing is lost, folded markers are deleted', async () => {
    const records = await inStore((store) => store.listRepositories());
    for (let round = 0; round < 15; round++) {
      clock.advance(60_000);
      const pick = records.filter(() => random() < 0.2);
      await Promise.all([
        ...pick.map((record) =>
          inStore((store) => store.putRepository({ ...record, evaluatedAt: at().toISOString(), score: Math.floor(random() * 100) })),
        ),
        inStore((store) => rebuildSummary(store, at())),
        inStore((store) => rebuildSummary(store, at())),
      ]);
    }
    await inStore((store) => rebuildSummary(store, at()));
    expect((await summaryNow()).rows).toEqual(await fromEveryRecord());
    // Markers settle after five minutes; the next rebuild deletes them all.
    clock.advance(6 * 60_000);
    await inStore((store) => rebuildSummary(store, at()));
    expect(storedKeys(keys.changePrefix())).toEqual([]);
    expect(storedKeys('v1:lease:')).toEqual([]);
  });
});
