import { DEMO_NOW, generateWorkspace } from '../../local/emulator/seeds';
import { createStore } from '../../src/store/store';
import { sandbox, type Figure } from '../sandbox';
import { storeEvaluated } from './stored';

/** The dashboard resolver: KVS calls and bytes per load at a number of repositories. */
export async function dashboardReads(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 0), { kvs: { rateLimits: 'count' } });
  const installation = s.runtime.installation(s.ws.uuid);
  // The workspace's `size` repositories stored as evaluated (no scan needed for this figure), then the summary.
  await storeEvaluated(s);
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const { rebuildSummary } = await import('../../src/services/summary');
    await rebuildSummary(createStore(), new Date(DEMO_NOW));
  });
  // As a workspace owner (the emulator accepts any token when the seed lists no credentials). The first
  // load lists the repositories the person can read (one request per 100) and keeps the answer 5 minutes;
  // the next loads within those minutes read it back.
  const owner = s.emulator.seed.users[0]!.accountId;
  const measure = async (key: string) => {
    const before = { ...installation.kvs.stats };
    const requestsBefore = s.emulator.log.length;
    await s.runtime.resolve('compliance-dashboard', key, {}, { workspaceUuid: s.ws.uuid, accountId: owner });
    const after = installation.kvs.stats;
    return {
      calls: after.readCalls - before.readCalls + (after.queries - before.queries),
      values: after.reads - before.reads,
      queries: after.queries - before.queries,
      bytes: after.bytesRead - before.bytesRead,
      writes: after.writes - before.writes,
      requests: s.emulator.log.length - requestsBefore,
    };
  };
  const cold = await measure('dashboard/get');
  const load = await measure('dashboard/get');
  const tab = await measure('dashboard/repositories');
  await s.emulator.close();
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  return {
    figure: `Dashboard resolver at ${size.toLocaleString('en')} repositories: KVS reads and bytes per load, and for the Repositories tab`,
    value: `load: ${load.calls - load.queries} reads + ${load.queries} history queries, ${kib(load.bytes)}; first load of a person in 5 minutes adds ${cold.requests} Bitbucket requests (membership, owners, the repositories they can read) and ${cold.writes} KVS writes; Repositories tab when opened: ${tab.calls} reads (${tab.values} values), ${kib(tab.bytes)}`,
    target:
      'a constant number of reads (≤ 3 for the summary, plus the viewer cache); who may see what costs one request per 100 repositories once per person in 5 minutes',
    data: { size, load, firstLoad: cold, repositoriesTab: tab },
  };
}
