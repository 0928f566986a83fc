/**
 * `repository` jobs: evaluate one repository and store the result, unless a later evaluation already
 * covers the job (`notBefore`), Bitbucket rate-limited the app moments ago, or the answers are ones that
 * clear by waiting (then the queue retries).
 */
import { getRepository } from '../../../bitbucket/api';
import { createBudget, type BitbucketClient } from '../../../bitbucket/client';
import { BitbucketError } from '../../../bitbucket/errors';
import type { Repository } from '../../../bitbucket/schemas';
import type { Result } from '../../../controls/types';
import { evaluateRepository, storeRepositoryEvaluation, type RepositoryEvaluation } from '../../../services/evaluation';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { enqueue } from '../../../services/scan-jobs';
import type { ScanState } from '../../../store/records';
import {
  MAX_RETRIES_BEFORE_STORING,
  removal,
  retry,
  secondsUntilRoom,
  transientFailure,
  type JobContext,
  type JobOf,
  type JobResult,
} from './shared';

/**
 * After a 429, repository jobs wait this long before calling Bitbucket again. Bitbucket's 429s usually carry
 * no Retry-After (docs/platform-facts.md); jobs that ran on would spend requests on evaluations that cannot
 * be stored and push the rolling-hour limit further. Measured with `npm run bench` (faults at 1,000
 * repositories, a storm of 250 injected 429s among other faults): the busiest hour went from 3,263 requests
 * and 2,482 real 429s to 977 and 143 with this pause.
 */
const RATE_LIMIT_PAUSE_MS = 10 * 60_000;

async function repositoryGone(client: BitbucketClient, job: JobOf<'repository'>): Promise<boolean> {
  try {
    await getRepository(client, job.workspaceUuid, job.repositoryUuid);
    return false;
  } catch (error) {
    if (error instanceof BitbucketError && error.kind === 'not-found') return true;
    throw error;
  }
}

/** The repository the job carries, or read now; null when it no longer exists (and its results were dropped). */
async function repositoryOf(
  client: BitbucketClient,
  job: JobOf<'repository'>,
  ctx: JobContext & { slug: string },
): Promise<Repository | null> {
  try {
    return job.repository ?? (await getRepository(client, job.workspaceUuid, job.repositoryUuid));
  } catch (error) {
    if (!(error instanceof BitbucketError) || error.kind !== 'not-found') throw error;
    await ctx.store.deleteRepository(
      job.repositoryUuid,
      removal({ uuid: job.repositoryUuid, slug: ctx.slug }, ctx.at, `${job.cause}: no longer exists`),
    );
    ctx.log.info('Repository no longer exists: stored results removed', { repository: job.repositoryUuid });
    return null;
  }
}

/** Stores the evaluation unless it must wait: a repository deleted meanwhile is dropped, transient answers retried. */
async function storeEvaluation(
  job: JobOf<'repository'>,
  done: { evaluation: RepositoryEvaluation; client: BitbucketClient; scan: ScanState },
  ctx: JobContext,
): Promise<JobResult> {
  const { evaluation, client, scan } = done;
  const { store, log, at } = ctx;
  const results = (evaluation.record.results ?? []) as Result[];
  // A repository deleted while its job waited answers 404 everywhere: confirm, and drop it rather than
  // store "could not be read" for something that no longer exists.
  if (results.some((result) => result.evidence.kind === 'not-found') && (await repositoryGone(client, job))) {
    await store.deleteRepository(
      job.repositoryUuid,
      removal({ uuid: job.repositoryUuid, slug: evaluation.record.slug }, at, `${job.cause}: no longer exists`),
    );
    log.info('Repository deleted during the scan: dropped', { repository: job.repositoryUuid });
    return;
  }
  const transient = transientFailure(results, scan, at);
  // Our own ledger's refusal is never stored as a verdict: the evaluation waits for room, or for the next plan.
  if (transient === 'hour-spent') return waitForRoom(job, ctx, client.budget.roomAt);
  if (transient && ctx.retries < MAX_RETRIES_BEFORE_STORING) {
    if (transient === 'rate-limited') await store.markScan({ rateLimitedAt: at.toISOString() });
    log.warn('Not stored: Bitbucket refused for now; retrying', { repository: job.repositoryUuid, reason: transient });
    return retry(transient);
  }
  // Near the limit: the planner trims the next hour's budget (a 429 halves it).
  if (client.budget.nearLimit) await store.markScan({ nearLimitAt: at.toISOString() });
  const written = await storeRepositoryEvaluation(store, evaluation);
  log.info('Repository evaluated', {
    repository: job.repositoryUuid,
    requests: evaluation.requests,
    written,
    changes: evaluation.changes.length,
  });
  if (!job.cause.endsWith('-scan') && written)
    await enqueue([
      { job: { kind: 'summary', workspaceUuid: job.workspaceUuid, cause: job.cause, notBefore: at.toISOString() }, delayInSeconds: 60 },
    ]);
}

/** Deliveries of a job the queue makes again at most (Forge: four retries, each at most 900 s later). */
const QUEUE_RETRIES = 4;

/**
 * The hour's share is spent: the job waits until the ledger expects room (the oldest requests leave the rolling
 * hour), between one and fifteen minutes at a time, four times at most; after that the next hourly plan picks the
 * repository up again, oldest result first.
 */
function waitForRoom(job: JobOf<'repository'>, ctx: JobContext, roomAt: number | null): JobResult {
  if (ctx.retries < QUEUE_RETRIES) return retry('hour-spent', secondsUntilRoom(roomAt, ctx.at));
  ctx.log.info('No room in the hour for this evaluation: left to the next plan', { repository: job.repositoryUuid });
}

export async function repositoryJob(job: JobOf<'repository'>, ctx: JobContext): Promise<JobResult> {
  const { store, log, at } = ctx;
  const stored = await store.getRepository(job.repositoryUuid);
  if (job.notBefore && stored?.evaluatedAt && stored.evaluatedAt >= job.notBefore) {
    log.info('Already evaluated since this job was queued: skipped', { repository: job.repositoryUuid });
    return;
  }
  const scan = await store.getScan();
  if (scan.rateLimitedAt && at.getTime() - Date.parse(scan.rateLimitedAt) < RATE_LIMIT_PAUSE_MS) {
    log.info('Bitbucket rate-limited the app moments ago: waiting before calling it again', {
      repository: job.repositoryUuid,
      rateLimitedAt: scan.rateLimitedAt,
    });
    return retry('rate-limited');
  }
  const maxRequests = job.maxRequests ?? 200;
  // Planned evaluations are scans; one an event asked for (a push, a merge) may use the reserve. The first claim
  // is what the evaluation is expected to cost: its last measured cost, else a quarter of its ceiling.
  const client = await ledgeredAppClient(
    { getScan: async () => scan, recordFailures: (failures) => ctx.store.recordFailures(failures) },
    { kind: job.cause.endsWith('-scan') ? 'scan' : 'event', chunk: Math.max(5, stored?.requests || Math.ceil(maxRequests / 4)), log },
    { budget: createBudget(maxRequests) },
  );
  try {
    if (!(await client.reserve())) return waitForRoom(job, ctx, client.budget.roomAt);
    const repository = await repositoryOf(client, job, { ...ctx, slug: stored?.slug ?? job.repositoryUuid });
    if (repository === null) return;
    const policy = await store.getPolicy();
    const evaluation = await evaluateRepository(
      { client, store, workspaceUuid: job.workspaceUuid, policy, now: at },
      { repository, cause: job.cause, refused: scan.refusedNeeds },
    );
    return await storeEvaluation(job, { evaluation, client, scan }, ctx);
  } finally {
    await client.settle();
  }
}
