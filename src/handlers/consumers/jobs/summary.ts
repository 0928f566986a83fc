/** `summary` jobs: fold the repositories changed since the last rebuild into the summary, unless a rebuild since the job was queued did. */
import { rebuildSummary } from '../../../services/summary';
import type { JobContext, JobOf, JobResult } from './shared';

export async function summaryJob(job: JobOf<'summary'>, { store, log, at }: JobContext): Promise<JobResult> {
  const current = await store.getSummaryMeta();
  if (job.notBefore && current && current.generatedAt > job.notBefore) {
    log.info('Summary already rebuilt since this job was queued: skipped');
    return;
  }
  const rebuilt = await rebuildSummary(store, at);
  await store.markScan({ lastFullPassAt: rebuilt.meta.oldestEvaluatedAt });
  log.info('Summary rebuilt', {
    repositories: rebuilt.meta.repositories,
    mode: rebuilt.mode,
    recordsRead: rebuilt.recordsRead,
    chunksWritten: rebuilt.chunksWritten,
    chunks: rebuilt.chunks,
  });
}
