/** `evidence` jobs: record a merged pull request whose `fulfilled` event could not be recorded at once. */
import { recordMergedPullRequest } from '../../../services/evidence';
import { ledgeredAppClient } from '../../../services/request-ledger';
import type { JobContext, JobOf, JobResult } from './shared';

export async function evidenceJob(job: JobOf<'evidence'>, { store, log, at }: JobContext): Promise<JobResult> {
  // The pull request, its statuses and activity, the merge commit.
  const client = await ledgeredAppClient(store, { kind: 'event', chunk: 4, log });
  const slug = (await store.getRepository(job.repositoryUuid))?.slug ?? job.repositoryUuid;
  const { written } = await recordMergedPullRequest(
    { client, store, workspaceUuid: job.workspaceUuid, now: at },
    { repository: { uuid: job.repositoryUuid, slug }, id: job.pullRequestId, mergedAt: job.mergedAt, origin: 'event' },
  ).finally(() => client.settle());
  log.info('Evidence recorded', { repository: job.repositoryUuid, pullRequest: job.pullRequestId, written });
}
