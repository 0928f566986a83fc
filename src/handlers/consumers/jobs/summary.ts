/** `summary` jobs: rebuild the dashboard's summary, unless a rebuild since the job was queued covers it. */
import { rebuildSummary } from '../../../services/summary';
import type { JobContext, JobOf, JobResult } from './shared';

export async function summaryJob(job: JobOf<'summary'>, { store, log, at }: JobContext): Promise<JobResult> {
  const current = await store.getSummary();
  if (job.notBefore && current && current.meta.generatedAt > job.notBefore) {
    log.info('Summary already rebuilt since this job was queued: skipped');
    return;
  }
  const meta = await rebuildSummary(store, at);
  await store.markScan({ lastFullPassAt: meta.oldestEvaluatedAt });
  log.info('Summary rebuilt', { repositories: meta.repositories, chunks: meta.chunks });
}
