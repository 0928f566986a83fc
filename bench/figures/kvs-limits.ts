import { KVS_LIMITS } from '../../local/runtime/kvs';
import { generateWorkspace } from '../../local/emulator/seeds';
import { createStore } from '../../src/store/store';
import { sandbox, type Figure, type Sandbox } from '../sandbox';
import { storeEvaluated } from './stored';

/**
 * KVS use of one hourly plan and one summary rebuild at a number of evaluated repositories, in a steady hour (100
 * repositories re-evaluated since the last rebuild), against Forge's per-installation limits (4,000 read and 4,000
 * write units of 10 KB a minute; batches ≤ 4 MB: https://developer.atlassian.com/platform/forge/limits-kvs-ce/).
 * Each runs within a simulated minute, so its units are what that minute spends. Counted, not enforced, so the
 * figure shows any excess. The first rebuild after install reads every record, and is stated too.
 */
/** Re-stores `count` evaluated records a minute later, as an hour of scan jobs would (each with its change marker). */
async function changeAnHour(s: Sandbox, count: number): Promise<void> {
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const store = createStore();
    const records = (await store.getRepositories(s.ws.repositories.slice(0, count).map((repo) => repo.uuid.replace(/[{}]/g, '')))).values();
    for (const record of records) await store.putRepository({ ...record, evaluatedAt: new Date(s.clock.now()).toISOString() });
  });
}

export async function kvsLimits(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 0), { kvs: { rateLimits: 'count' } });
  const installation = s.runtime.installation(s.ws.uuid);
  const workspaceUuid = s.ws.uuid.replace(/[{}]/g, '');
  await storeEvaluated(s);
  const measure = async (body: Record<string, unknown>) => {
    s.clock.advance(120_000); // a fresh minute
    const before = { ...installation.kvs.stats };
    const { record } = await s.runtime.invoke(
      { functionKey: 'scan-job-fn', module: 'consumer:scan-job-consumer', installation },
      { body, queueName: 'attest-scan-jobs', jobId: 'bench', eventId: 'bench' },
    );
    const after = installation.kvs.stats;
    return {
      outcome: record.outcome,
      readUnits: after.readUnits - before.readUnits,
      writeUnits: after.writeUnits - before.writeUnits,
      calls: after.readCalls + after.queries - before.readCalls - before.queries,
    };
  };
  const summaryJob = { kind: 'summary', workspaceUuid, cause: 'bench' };
  // The first rebuild after install reads every record; later ones delete the install's change markers.
  const first = await measure(summaryJob);
  let settling = 0;
  const markers = () => Object.keys(installation.kvs.dump()).filter((key) => key.startsWith('v1:chg:')).length;
  for (s.clock.advance(10 * 60_000); markers() > 0 && settling < 20; settling++) await measure(summaryJob);
  // A steady hour: the scan share (680 requests) re-evaluates about 100 repositories.
  await changeAnHour(s, Math.min(100, size));
  const plan = await measure({ kind: 'plan', workspaceUuid, cause: 'bench' });
  const summary = await measure(summaryJob);
  const largestBatch = installation.kvs.stats.largestBatchBytes;
  await s.emulator.close();
  const limit = KVS_LIMITS.readUnitsPerMinute;
  const within = (units: number) =>
    units <= limit * 0.5
      ? 'within, with half to spare'
      : units <= limit
        ? 'within, under half to spare'
        : `${(units / limit).toFixed(1)} × the limit`;
  const units = (m: { readUnits: number; writeUnits: number }) =>
    `${m.readUnits.toLocaleString('en')} read / ${m.writeUnits.toLocaleString('en')} write units`;
  return {
    figure: `KVS units of one hourly plan and one summary rebuild at ${size.toLocaleString('en')} evaluated repositories, 100 of them re-evaluated in the hour (Forge: 4,000 read and 4,000 write units a minute)`,
    value: `plan ${units(plan)} (${within(Math.max(plan.readUnits, plan.writeUnits))}); summary ${units(summary)} (${within(Math.max(summary.readUnits, summary.writeUnits))}); the first rebuild after install (every record read) ${units(first)}, then ${settling} rebuilds to clear the install's change markers; largest batch or transaction ${(largestBatch / 1024).toFixed(1)} KB`,
    target: 'each ≤ 2,000 units (half the per-minute limit), without reading every repository record; batches ≤ 4 MB',
    data: { size, plan, summary, first, settling, largestBatchBytes: largestBatch },
  };
}
