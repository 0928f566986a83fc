/**
 * `evidence-period` jobs: read an audit period's merged pull requests from Bitbucket into the ledger, for a
 * period an administrator asked for in the dashboard (the Evidence tab's "Read this period from Bitbucket").
 * The repositories are taken in UUID order; one delivery covers as many as fit in its time and enqueues the
 * rest. Covering a repository is idempotent (a repository whose ledger already holds the period costs no
 * request), so a job delivered twice, or retried after a rate limit, repeats nothing it already did.
 */
import { listRepositories } from '../../../bitbucket/api';
import { BitbucketError } from '../../../bitbucket/errors';
import { unwrapUuid } from '../../../lib/uuid';
import { coverRepository } from '../../../services/evidence-coverage';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { enqueue } from '../../../services/scan-jobs';
import type { EvidencePeriodState } from '../../../store/records';
import { secondsUntilRoom, type JobContext, type JobOf, type JobResult } from './shared';

/** Of the consumer's 900 s, what one delivery spends before handing the rest to the next job. */
const DELIVERY_BUDGET_MS = 600_000;

function gapOf(error: unknown): string {
  if (error instanceof BitbucketError) return `Bitbucket answered ${error.status ?? error.kind}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export async function evidencePeriodJob(job: JobOf<'evidence-period'>, { store, log, at }: JobContext): Promise<JobResult> {
  const state = await store.getEvidencePeriod();
  // A job of a period no longer asked for (a newer request replaced it) has nothing to do.
  if (!state || state.since !== job.since || state.until !== job.until || state.finishedAt !== null) return;
  const client = await ledgeredAppClient(store, { kind: 'scan', chunk: 20, log });
  const ctx = { client, store, workspaceUuid: job.workspaceUuid, now: at };
  const period = { since: new Date(job.since), until: new Date(job.until) };
  const started = Date.now();
  let listing;
  try {
    listing = await listRepositories(client, job.workspaceUuid);
  } catch (error) {
    // The hour's share is spent before anything was read: wait for room as a new job, not a retry (retries run out).
    if (!(error instanceof BitbucketError && error.kind === 'hour-spent')) throw error;
    await client.settle();
    await enqueue([{ job: { ...job, cause: 'evidence-period-waiting' }, delayInSeconds: secondsUntilRoom(client.budget.roomAt, at) }]);
    log.info('Evidence period waits for room in the hour', { after: job.after ?? null });
    return;
  }
  const ordered = [...listing.values].sort((a, b) => unwrapUuid(a.uuid).localeCompare(unwrapUuid(b.uuid)));
  const remaining = ordered.filter((repository) => job.after === undefined || unwrapUuid(repository.uuid) > job.after);
  const next: EvidencePeriodState = { ...state, repositories: ordered.length, gaps: [...state.gaps] };
  if (listing.truncated && job.after === undefined)
    next.gaps.push({ repository: '*', reason: 'the list of repositories was cut short: some may be missing' });
  let last: string | undefined = job.after;
  let paused = false;
  for (const repository of remaining) {
    if (Date.now() - started > DELIVERY_BUDGET_MS) break;
    try {
      const outcome = await coverRepository(ctx, repository, period);
      next.recorded += outcome.recorded;
      if (outcome.gap) next.gaps.push({ repository: repository.full_name, reason: outcome.gap });
    } catch (error) {
      // A rate limit is waited out (the queue redelivers this job); anything else is named and passed over.
      if (error instanceof BitbucketError && error.kind === 'rate-limited') {
        await store.putEvidencePeriod(next);
        throw error;
      }
      // The hour's share is spent: this repository and the rest wait for room (the ledger frees a slot every 5 minutes).
      if (error instanceof BitbucketError && error.kind === 'hour-spent') {
        paused = true;
        break;
      }
      next.gaps.push({ repository: repository.full_name, reason: gapOf(error) });
    }
    last = unwrapUuid(repository.uuid);
    next.done = ordered.findIndex((candidate) => unwrapUuid(candidate.uuid) === last) + 1;
  }
  await client.settle();
  const finished = !paused && (last === undefined || next.done >= ordered.length);
  // One gap per repository: a redelivered job names the same repository again.
  next.gaps = [...new Map(next.gaps.map((gap) => [gap.repository, gap])).values()].slice(0, 500);
  await store.putEvidencePeriod({ ...next, finishedAt: finished ? at.toISOString() : null });
  if (!finished)
    await enqueue([
      {
        job: { ...job, ...(last ? { after: last } : {}), cause: 'evidence-period-continued' },
        delayInSeconds: paused ? secondsUntilRoom(client.budget.roomAt, at) : 0,
      },
    ]);
  log.info('Evidence period read', { done: next.done, of: ordered.length, recorded: next.recorded, gaps: next.gaps.length, finished });
}
