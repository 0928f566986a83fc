/**
 * No crossed writes: two evaluations of one repository (a scan job and an event) that store at the same time,
 * with their KVS reads and writes interleaved at random, always leave the newer result stored. Without the
 * repository's write lease, both read the older state, both find theirs newer, and the later write wins
 * whichever result it carries.
 */
import type { LocalForgeRuntime } from '../../local/runtime/runtime';
import type { BitbucketEmulator } from '../../local/emulator/server';
import { demoSeed } from '../../local/emulator/seeds';
import { seeded, startSandbox } from '../engine/sandbox';
import { createStore } from '../../src/store/store';
import type { HistoryEntry, RepositoryRecord } from '../../src/store/records';

describe('a scan job and an event evaluating the same repository at once', () => {
  const random = seeded(1612);
  let emulator: BitbucketEmulator;
  let runtime: LocalForgeRuntime;
  let workspace: string;
  let stored: RepositoryRecord;

  beforeAll(async () => {
    ({ emulator, runtime } = await startSandbox(demoSeed(), { kvsTurns: () => Math.floor(random() * 5) }));
    workspace = emulator.seed.workspaces[0]!.uuid;
    await runtime.install(workspace);
    await runtime.drainQueues();
    const evaluated = await runtime.withInstallation(workspace, () => createStore().listRepositories());
    stored = evaluated.find((record) => record.evaluatedAt !== null)!;
  });
  afterAll(() => emulator.close());

  const change = (at: string, cause: string): HistoryEntry => ({
    subject: stored.uuid,
    subjectName: stored.slug,
    control: 'BB-BP-1',
    from: 'pass',
    to: 'fail',
    at,
    cause,
    actor: null,
  });

  test('200 rounds in random interleavings: the newer evaluation is what stays stored, with its history', async () => {
    const base = Date.parse(stored.evaluatedAt!);
    for (let round = 0; round < 200; round++) {
      const olderAt = new Date(base + (2 * round + 1) * 60_000).toISOString();
      const newerAt = new Date(base + (2 * round + 2) * 60_000).toISOString();
      const older: RepositoryRecord = { ...stored, evaluatedAt: olderAt, score: 10, requests: 1 };
      const newer: RepositoryRecord = { ...stored, evaluatedAt: newerAt, score: 90, requests: 2 };
      const writes = [
        { record: older, history: [change(olderAt, 'scheduled-scan')] },
        { record: newer, history: [change(newerAt, 'avi:bitbucket:push:repository')] },
      ];
      if (random() < 0.5) writes.reverse();
      const written = await Promise.all(
        writes.map(({ record, history }) => runtime.withInstallation(workspace, () => createStore().putRepository(record, history))),
      );
      const after = await runtime.withInstallation(workspace, () => createStore().getRepository(stored.uuid));
      expect({ round, evaluatedAt: after?.evaluatedAt, score: after?.score }).toEqual({ round, evaluatedAt: newerAt, score: 90 });
      // The newer one is always written; the older one only if it came first (and was then replaced).
      expect(written[writes.findIndex((write) => write.record === newer)]).toBe(true);
    }
    // No lease is left behind.
    expect(Object.keys(runtime.installation(workspace).kvs.dump()).filter((key) => key.startsWith('v1:lease:'))).toEqual([]);
  });
});
