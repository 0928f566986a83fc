/**
 * `scan-job-consumer` (900 s): plans, evaluates repositories and the workspace, rebuilds the summary and
 * records evidence. Delivery is at least once and sometimes out of order, so every job is idempotent:
 * evaluations are whole and an older one never overwrites a newer one, a job already covered by a later
 * evaluation (`notBefore`) is skipped, and evidence is written once.
 *
 * Answers Bitbucket could give right after install (401/403 for some minutes, platform-facts §2), and
 * 429s, are never stored as verdicts: the job asks the queue to retry (InvocationError) and, after three
 * retries, stores the honest `not-evaluable` results rather than retrying forever.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { z } from 'zod';
import { getRepository } from '../../bitbucket/api';
import { appRequest, createBitbucketClient, createBudget } from '../../bitbucket/client';
import { BitbucketError } from '../../bitbucket/errors';
import type { Result } from '../../controls/types';
import { now } from '../../lib/clock';
import { createLogger, type Logger } from '../../lib/log';
import { evaluateRepository, evaluateWorkspaceControls, storeRepositoryEvaluation, storeWorkspaceResults } from '../../services/evaluation';
import { recordMergedPullRequest } from '../../services/evidence';
import { planHour } from '../../services/planner';
import { enqueue, ScanJob } from '../../services/scan-jobs';
import { rebuildSummary } from '../../services/summary';
import type { ScanState } from '../../store/records';
import { createStore, type Store } from '../../store/store';

/** The least time between two scheduled plans (F/manifest-reference/modules/scheduled-trigger/: runs can repeat). */
const PLAN_SPACING_MS = 55 * 60_000;

const QueueEvent = z.object({
  body: z.unknown(),
  jobId: z.string().optional(),
  retryContext: z.object({ retryCount: z.number() }).partial().optional(),
});

/** Minutes after install during which a 401/403 is taken as "not authorised yet". */
const INSTALL_GRACE_MS = 30 * 60_000;
const MAX_RETRIES_BEFORE_STORING = 3;
/**
 * After a 429, repository jobs wait this long before calling Bitbucket again. Bitbucket's 429s usually carry
 * no Retry-After (platform-facts §9); jobs that ran on would spend requests on evaluations that cannot be
 * stored and push the rolling-hour limit further. Measured with `npm run bench` (faults at 1,000
 * repositories, a storm of 250 injected 429s among other faults): the busiest hour went from 3,263 requests
 * and 2,482 real 429s to 977 and 143 with this pause.
 */
const RATE_LIMIT_PAUSE_MS = 10 * 60_000;

function retry(kind: 'rate-limited' | 'not-yet-authorised' | 'upstream'): InvocationError {
  return new InvocationError({
    retryAfter: kind === 'rate-limited' ? 600 : 60,
    retryReason: kind === 'rate-limited' ? InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED : InvocationErrorCode.FUNCTION_RETRY_REQUEST,
  });
}

/** Why results should not be stored yet, or null when they can be. */
function transientFailure(
  results: readonly Result[],
  scan: Pick<ScanState, 'installedAt' | 'refusedNeeds'>,
  at: Date,
): 'rate-limited' | 'not-yet-authorised' | null {
  const { installedAt } = scan;
  // A refusal already known (the credentials' reach, checked up front) will not clear by waiting.
  const known = (need: unknown) => typeof need === 'string' && scan.refusedNeeds[need] !== undefined;
  const kinds = results
    .filter((result) => result.outcome === 'not-evaluable' && !known(result.evidence.need))
    .map((result) => result.evidence.kind);
  if (kinds.includes('rate-limited')) return 'rate-limited';
  const recentlyInstalled = installedAt !== null && at.getTime() - Date.parse(installedAt) < INSTALL_GRACE_MS;
  if (kinds.includes('unauthorized') || (recentlyInstalled && kinds.includes('forbidden'))) return 'not-yet-authorised';
  return null;
}

async function repositoryGone(
  client: ReturnType<typeof createBitbucketClient>,
  workspaceUuid: string,
  repositoryUuid: string,
): Promise<boolean> {
  try {
    await getRepository(client, workspaceUuid, repositoryUuid);
    return false;
  } catch (error) {
    if (error instanceof BitbucketError && error.kind === 'not-found') return true;
    throw error;
  }
}

export async function scanJob(event: unknown): Promise<InvocationError | void> {
  const log = createLogger({ handler: 'scan-job' });
  const envelope = QueueEvent.safeParse(event);
  const parsed = envelope.success ? ScanJob.safeParse(envelope.data.body) : null;
  if (!envelope.success || !parsed?.success) {
    log.warn('Dropping a queue event that is not a scan job', {
      issue: parsed && !parsed.success ? parsed.error.issues[0]?.message : 'no body',
    });
    return;
  }
  const job = parsed.data;
  const retries = envelope.data.retryContext?.retryCount ?? 0;
  const scoped = log.child({ workspace: job.workspaceUuid, cause: job.cause, kind: job.kind, retries });
  const store = createStore();
  try {
    return await run(job, store, retries, scoped);
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error; // the queue retries thrown errors too
    if (error.kind === 'rate-limited') await store.markScan({ rateLimitedAt: now().toISOString() });
    if (['rate-limited', 'upstream', 'unauthorized', 'forbidden', 'malformed', 'internal'].includes(error.kind)) {
      scoped.warn('Bitbucket could not be read: asking the queue to retry', { errorKind: error.kind, status: error.status });
      return retry(error.kind === 'rate-limited' ? 'rate-limited' : 'upstream');
    }
    scoped.error('Scan job failed', { errorKind: error.kind, status: error.status });
  }
}

async function run(job: ScanJob, store: Store, retries: number, log: Logger): Promise<InvocationError | void> {
  const at = now();
  switch (job.kind) {
    case 'plan': {
      const client = createBitbucketClient({ request: appRequest() });
      if (job.cause === 'install-scan') await store.markScan({ installedAt: (await store.getScan()).installedAt ?? at.toISOString() });
      // Forge runs a scheduled trigger at an offset of its own choosing and sometimes twice: a scheduled plan
      // within 55 minutes of the last plan would spend the same hour's budget again.
      const { lastPlanAt } = await store.getScan();
      if (job.cause === 'scheduled-scan' && lastPlanAt && at.getTime() - Date.parse(lastPlanAt) < PLAN_SPACING_MS) {
        log.info('A plan ran less than 55 minutes ago: this scheduled run is skipped', { lastPlanAt });
        return;
      }
      const plan = await planHour(client, store, job.workspaceUuid, at, job.cause);
      await enqueue(plan.jobs);
      log.info('Hour planned', {
        repositories: plan.repositories,
        planned: plan.planned,
        budget: plan.budget,
        estimatedRequests: plan.estimatedRequests,
        hoursPerFullPass: plan.hoursPerFullPass,
      });
      return;
    }
    case 'repository': {
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
      const client = createBitbucketClient({ request: appRequest(), budget: createBudget(job.maxRequests ?? 200) });
      let repository;
      try {
        repository = job.repository ?? (await getRepository(client, job.workspaceUuid, job.repositoryUuid));
      } catch (error) {
        if (error instanceof BitbucketError && error.kind === 'not-found') {
          await store.deleteRepository(job.repositoryUuid, {
            subject: job.repositoryUuid,
            subjectName: stored?.slug ?? job.repositoryUuid,
            control: 'repository',
            from: null,
            to: null,
            at: at.toISOString(),
            cause: `${job.cause}: no longer exists`,
            actor: null,
          });
          log.info('Repository no longer exists: stored results removed', { repository: job.repositoryUuid });
          return;
        }
        throw error;
      }
      const policy = await store.getPolicy();
      const evaluation = await evaluateRepository(client, store, {
        workspaceUuid: job.workspaceUuid,
        repository,
        policy,
        now: at,
        cause: job.cause,
        refused: scan.refusedNeeds,
      });
      // A repository deleted while its job waited answers 404 everywhere: confirm, and drop it rather
      // than store "could not be read" for something that no longer exists.
      if (
        (evaluation.record.results ?? []).some((result) => result.evidence.kind === 'not-found') &&
        (await repositoryGone(client, job.workspaceUuid, job.repositoryUuid))
      ) {
        await store.deleteRepository(job.repositoryUuid, {
          subject: job.repositoryUuid,
          subjectName: evaluation.record.slug,
          control: 'repository',
          from: null,
          to: null,
          at: at.toISOString(),
          cause: `${job.cause}: no longer exists`,
          actor: null,
        });
        log.info('Repository deleted during the scan: dropped', { repository: job.repositoryUuid });
        return;
      }
      const transient = transientFailure((evaluation.record.results ?? []) as Result[], scan, at);
      if (transient && retries < MAX_RETRIES_BEFORE_STORING) {
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
      return;
    }
    case 'workspace': {
      const client = createBitbucketClient({ request: appRequest() });
      const policy = await store.getPolicy();
      const scan = await store.getScan();
      const results = await evaluateWorkspaceControls(client, job.workspaceUuid, { policy, now: at, refused: scan.refusedNeeds });
      const transient = transientFailure(results, scan, at);
      if (transient && retries < MAX_RETRIES_BEFORE_STORING) return retry(transient);
      await storeWorkspaceResults(store, results, at, job.cause);
      await store.markScan({ workspaceEvaluatedAt: at.toISOString() });
      log.info('Workspace evaluated', { requests: client.budget.used });
      return;
    }
    case 'summary': {
      const current = await store.getSummary();
      if (job.notBefore && current && current.meta.generatedAt > job.notBefore) {
        log.info('Summary already rebuilt since this job was queued: skipped');
        return;
      }
      const meta = await rebuildSummary(store, at);
      await store.markScan({ lastFullPassAt: meta.oldestEvaluatedAt });
      log.info('Summary rebuilt', { repositories: meta.repositories, chunks: meta.chunks });
      return;
    }
    case 'evidence': {
      const client = createBitbucketClient({ request: appRequest() });
      const record = await store.getRepository(job.repositoryUuid);
      const slug = record?.slug ?? job.repositoryUuid;
      const { written } = await recordMergedPullRequest(
        client,
        store,
        job.workspaceUuid,
        { uuid: job.repositoryUuid, slug },
        job.pullRequestId,
        job.mergedAt,
        'event',
        at,
      );
      log.info('Evidence recorded', { repository: job.repositoryUuid, pullRequest: job.pullRequestId, written });
      return;
    }
  }
}
