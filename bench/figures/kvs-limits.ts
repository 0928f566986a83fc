import { KVS_LIMITS } from '../../local/runtime/kvs';
import { generateWorkspace } from '../../local/emulator/seeds';
import { sandbox, type Figure } from '../sandbox';
import { storeEvaluated } from './stored';

/**
 * KVS use of one hourly plan and one summary rebuild at a number of evaluated repositories, against Forge's
 * per-installation limits (4,000 read and 4,000 write units of 10 KB a minute; batches ≤ 4 MB:
 * https://developer.atlassian.com/platform/forge/limits-kvs-ce/). Both run within a simulated minute, so
 * their units are what that minute spends. Counted, not enforced, so the figure shows the excess.
 */
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
      {
        body,
        queueName: 'attest-scan-jobs',
        jobId: 'bench',
        eventId: 'bench',
      },
    );
    const after = installation.kvs.stats;
    return {
      outcome: record.outcome,
      readUnits: after.readUnits - before.readUnits,
      writeUnits: after.writeUnits - before.writeUnits,
      calls: after.readCalls + after.queries - before.readCalls - before.queries,
    };
  };
  const plan = await measure({ kind: 'plan', workspaceUuid, cause: 'bench' });
  const summary = await measure({ kind: 'summary', workspaceUuid, cause: 'bench' });
  const largestBatch = installation.kvs.stats.largestBatchBytes;
  await s.emulator.close();
  const limit = KVS_LIMITS.readUnitsPerMinute;
  const within = (units: number) =>
    units <= limit * 0.5
      ? 'within, with half to spare'
      : units <= limit
        ? 'within, under half to spare'
        : `${(units / limit).toFixed(1)} × the limit`;
  return {
    figure: `KVS units of one hourly plan and one summary rebuild at ${size.toLocaleString('en')} evaluated repositories (Forge: 4,000 read and 4,000 write units a minute)`,
    value: `plan ${plan.readUnits.toLocaleString('en')} read / ${plan.writeUnits.toLocaleString('en')} write units (${within(plan.readUnits)}); summary ${summary.readUnits.toLocaleString('en')} read / ${summary.writeUnits.toLocaleString('en')} write units (${within(summary.readUnits)}); largest batch ${(largestBatch / 1024 / 1024).toFixed(2)} MB`,
    target: 'each ≤ 2,000 units (half the per-minute limit); batches ≤ 4 MB',
    data: { size, plan, summary, largestBatchBytes: largestBatch },
  };
}
