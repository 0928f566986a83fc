/** `workspace` jobs: evaluate the workspace controls and store them, unless the answers clear by waiting. */
import { followThrough } from '../../../services/access-follow-through';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { evaluateWorkspaceControls, storeWorkspaceResults } from '../../../services/evaluation';
import { MAX_RETRIES_BEFORE_STORING, retry, transientFailure, type JobContext, type JobOf, type JobResult } from './shared';

export async function workspaceJob(job: JobOf<'workspace'>, { store, log, at, retries }: JobContext): Promise<JobResult> {
  const client = await ledgeredAppClient(store, { kind: 'scan', chunk: 5, log });
  const policy = await store.getPolicy();
  const scan = await store.getScan();
  // The open revoke decisions of completed access reviews are read again first, so BB-AC-3 sees today's state.
  const follow = await followThrough({ client, store, workspaceUuid: job.workspaceUuid, now: at }).catch((error: unknown) => {
    log.warn('Access-review follow-through could not run', { error: error instanceof Error ? error.message : String(error) });
    return null;
  });
  if (follow && follow.checked > 0) log.info('Access-review decisions followed through', follow);
  const { results, people } = await evaluateWorkspaceControls(
    { client, store, workspaceUuid: job.workspaceUuid, policy, now: at },
    scan.refusedNeeds,
  ).finally(() => client.settle());
  const transient = transientFailure(results, scan, at);
  // Our own ledger's refusal is never stored: after three waits the next plan queues the workspace again.
  if (transient === 'hour-spent' && retries >= MAX_RETRIES_BEFORE_STORING) return;
  if (transient && retries < MAX_RETRIES_BEFORE_STORING) return retry(transient);
  await storeWorkspaceResults(store, results, at, job.cause);
  // Names for the UI; a directory that cannot be written is retried with the next evaluation, a day later.
  await store
    .addPeople(people, at)
    .catch((error: unknown) => log.warn('Display names were not kept', { error: error instanceof Error ? error.message : String(error) }));
  await store.markScan({ workspaceEvaluatedAt: at.toISOString() });
  log.info('Workspace evaluated', { requests: client.budget.used });
}
