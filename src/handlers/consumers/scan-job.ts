/**
 * `scan-job-consumer` (900 s): plans, evaluates repositories and the workspace, rebuilds the summary and
 * records evidence, one file per kind (./jobs/). Delivery is at least once and sometimes out of order, so
 * every job is idempotent: evaluations are whole and an older one never overwrites a newer one, a job
 * already covered by a later evaluation (`notBefore`) is skipped, and evidence is written once.
 */
import type { InvocationError } from '@forge/events';
import { z } from 'zod';
import { BitbucketError } from '../../bitbucket/errors';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { ScanJob } from '../../services/scan-jobs';
import { createStore } from '../../store/store';
import { evidenceJob } from './jobs/evidence';
import { evidencePeriodJob } from './jobs/evidence-period';
import { accessSnapshotJob } from './jobs/access-snapshot';
import { flowPassJob, flowRollupJob } from './jobs/flow';
import { planJob } from './jobs/plan';
import { repositoryJob } from './jobs/repository';
import { retry, type JobContext, type JobOf, type JobResult } from './jobs/shared';
import { classifyFailure, retryLater } from '../failures';
import { licenseState } from '../license';
import { summaryJob } from './jobs/summary';
import { workspaceJob } from './jobs/workspace';

const QueueEvent = z.object({
  body: z.unknown(),
  jobId: z.string().optional(),
  retryContext: z.object({ retryCount: z.number() }).partial().optional(),
});

type Handlers = { [K in ScanJob['kind']]: (job: JobOf<K>, ctx: JobContext) => Promise<JobResult> };

const HANDLERS: Handlers = {
  plan: planJob,
  repository: repositoryJob,
  workspace: workspaceJob,
  summary: summaryJob,
  evidence: evidenceJob,
  'evidence-period': evidencePeriodJob,
  'access-snapshot': accessSnapshotJob,
  'flow-pass': flowPassJob,
  'flow-rollup': flowRollupJob,
};

function run<K extends ScanJob['kind']>(job: JobOf<K>, ctx: JobContext): Promise<JobResult> {
  const handler: Handlers[K] = HANDLERS[job.kind as K];
  return handler(job, ctx);
}

export async function scanJob(event: unknown, context?: unknown): Promise<InvocationError | void> {
  const log = createLogger({ handler: 'scan-job' });
  // Work queued before a licence lapsed is dropped: nothing more is read from Bitbucket for the installation.
  if (licenseState(context) === 'inactive') {
    log.info('Licence not active: queued job dropped');
    return;
  }
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
    return await run(job, { store, log: scoped, at: now(), retries });
  } catch (error) {
    return await failed(error, { store, log: scoped, retries });
  }
}

/**
 * A job that threw: Bitbucket's refusals, KVS's and the queue's limits and faults, and a busy lease are retried
 * with a backoff (the job is idempotent); anything else would fail again the same way, so it is logged and the job
 * dropped (the next hourly plan queues the work afresh). A rate limit also trims the next hour's budget.
 */
async function failed(error: unknown, ctx: Pick<JobContext, 'store' | 'log' | 'retries'>): Promise<InvocationError | void> {
  const { store, log, retries } = ctx;
  if (error instanceof BitbucketError && error.kind === 'rate-limited') await store.markScan({ rateLimitedAt: now().toISOString() });
  // Before the install grace ends a refused scope can be Bitbucket not knowing the installation yet.
  const refusedEarly = error instanceof BitbucketError && error.kind === 'forbidden' && retries < 2;
  const failure = classifyFailure(error);
  const detail = error instanceof BitbucketError ? { errorKind: error.kind, status: error.status } : { error: failure.reason };
  if (failure.transient || refusedEarly) {
    log.warn('Job failed for now: asking the queue to retry', detail);
    return error instanceof BitbucketError && (error.kind === 'rate-limited' || error.kind === 'hour-spent')
      ? retry(error.kind)
      : retryLater(failure, retries);
  }
  log.error('Scan job failed for good: dropped; the next plan queues the work again', detail);
}
