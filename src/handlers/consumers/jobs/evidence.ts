/** `evidence` jobs: record a merged pull request whose `fulfilled` event could not be recorded at once. */
import { recordMergedPullRequest } from '../../../services/evidence';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { flowRules, observeMerge } from '../../../services/delivery';
import type { JobContext, JobOf, JobResult } from './shared';

export async function evidenceJob(job: JobOf<'evidence'>, { store, log, at }: JobContext): Promise<JobResult> {
  // The pull request, its statuses and activity, the merge commit.
  const client = await ledgeredAppClient(store, { kind: 'event', chunk: 5, log });
  const slug = (await store.getRepository(job.repositoryUuid))?.slug ?? job.repositoryUuid;
  const { written } = await recordAndObserve(job, { client, store, slug, at }).finally(() => client.settle());
  log.info('Evidence recorded', { repository: job.repositoryUuid, pullRequest: job.pullRequestId, written });
}

/** The record, and the merge's flow fact from the same read (delivery metrics). */
async function recordAndObserve(
  job: JobOf<'evidence'>,
  ctx: { client: Awaited<ReturnType<typeof ledgeredAppClient>>; store: JobContext['store']; slug: string; at: Date },
): Promise<{ written: boolean }> {
  const { client, store, slug, at } = ctx;
  const workspaceUuid = job.workspaceUuid;
  const result = await recordMergedPullRequest(
    { client, store, workspaceUuid, now: at },
    { repository: { uuid: job.repositoryUuid, slug }, id: job.pullRequestId, mergedAt: job.mergedAt, origin: 'event' },
  );
  if (result.read) {
    const { pr, protectedDestination, policy } = result.read;
    const target = { repositoryUuid: job.repositoryUuid, pr, protectedDestination, mergedAt: job.mergedAt, at };
    await observeMerge({ client, store, workspaceUuid, rules: flowRules(policy) }, target);
  }
  return result;
}
