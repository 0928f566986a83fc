/** `workspace` jobs: evaluate the workspace controls and store them, unless the answers clear by waiting. */
import { appRequest, createBitbucketClient } from '../../../bitbucket/client';
import { evaluateWorkspaceControls, storeWorkspaceResults } from '../../../services/evaluation';
import { MAX_RETRIES_BEFORE_STORING, retry, transientFailure, type JobContext, type JobOf, type JobResult } from './shared';

export async function workspaceJob(job: JobOf<'workspace'>, { store, log, at, retries }: JobContext): Promise<JobResult> {
  const client = createBitbucketClient({ request: appRequest() });
  const policy = await store.getPolicy();
  const scan = await store.getScan();
  const results = await evaluateWorkspaceControls({ client, store, workspaceUuid: job.workspaceUuid, policy, now: at }, scan.refusedNeeds);
  const transient = transientFailure(results, scan, at);
  if (transient && retries < MAX_RETRIES_BEFORE_STORING) return retry(transient);
  await storeWorkspaceResults(store, results, at, job.cause);
  await store.markScan({ workspaceEvaluatedAt: at.toISOString() });
  log.info('Workspace evaluated', { requests: client.budget.used });
}
