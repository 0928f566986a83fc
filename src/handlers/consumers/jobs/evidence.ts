/** `evidence` jobs: record a merged pull request whose `fulfilled` event could not be recorded at once. */
import { appRequest, createBitbucketClient } from '../../../bitbucket/client';
import { recordMergedPullRequest } from '../../../services/evidence';
import type { JobContext, JobOf, JobResult } from './shared';

export async function evidenceJob(job: JobOf<'evidence'>, { store, log, at }: JobContext): Promise<JobResult> {
  const client = createBitbucketClient({ request: appRequest() });
  const slug = (await store.getRepository(job.repositoryUuid))?.slug ?? job.repositoryUuid;
  const { written } = await recordMergedPullRequest(
    { client, store, workspaceUuid: job.workspaceUuid, now: at },
    { repository: { uuid: job.repositoryUuid, slug }, id: job.pullRequestId, mergedAt: job.mergedAt, origin: 'event' },
  );
  log.info('Evidence recorded', { repository: job.repositoryUuid, pullRequest: job.pullRequestId, written });
}
