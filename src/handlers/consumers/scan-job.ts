/**
 * `scan-job-consumer`: runs scan jobs from the queue. Delivery is at least once, so every job is
 * idempotent: it re-reads Bitbucket and writes the newest observation. Errors that a later attempt can fix
 * (401/403 right after install, 429, 5xx) are answered with an InvocationError so the queue retries
 * with backoff; they are never stored as verdicts.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { getRepository, listRepositories } from '../../bitbucket/api';
import { appRequest, createBitbucketClient } from '../../bitbucket/client';
import { BitbucketError } from '../../bitbucket/errors';
import { now } from '../../lib/clock';
import { createLogger } from '../../lib/log';
import { toRepositoryRecord } from '../../services/repository-record';
import { ScanJob } from '../../services/scan-jobs';
import { createStore } from '../../store/store';
import { z } from 'zod';

const QueueEvent = z.object({
  body: z.unknown(),
  jobId: z.string().optional(),
  retryContext: z.object({ retryCount: z.number() }).partial().optional(),
});

const RETRYABLE = new Set(['unauthorized', 'forbidden', 'rate-limited', 'upstream']);

export async function scanJob(event: unknown): Promise<InvocationError | void> {
  const log = createLogger({ handler: 'scan-job' });
  const envelope = QueueEvent.safeParse(event);
  const job = envelope.success ? ScanJob.safeParse(envelope.data.body) : null;
  if (!envelope.success || !job?.success) {
    log.warn('Dropping a queue event that is not a scan job');
    return;
  }
  const body = job.data;
  const scoped = log.child({ workspace: body.workspaceUuid, cause: body.cause, kind: body.kind });
  const client = createBitbucketClient({ request: appRequest() });
  const store = createStore();
  try {
    if (body.kind === 'repository') {
      const repository = await getRepository(client, body.workspaceUuid, body.repositoryUuid);
      await store.putRepository(toRepositoryRecord(repository, now(), body.cause));
      scoped.info('Repository observed', { repository: body.repositoryUuid });
      return;
    }
    const listing = await listRepositories(client, body.workspaceUuid);
    const at = now();
    for (const repository of listing.values) {
      await store.putRepository(toRepositoryRecord(repository, at, body.cause));
    }
    await store.putScan({
      lastScanAt: at.toISOString(),
      lastScanCause: body.cause,
      repositories: listing.values.length,
      truncated: listing.truncated,
    });
    scoped.info('Workspace observed', { repositories: listing.values.length, truncated: listing.truncated, requests: client.budget.used });
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    if (RETRYABLE.has(error.kind)) {
      scoped.warn('Bitbucket could not be read: asking the queue to retry', { kind: error.kind, status: error.status });
      return new InvocationError({
        retryAfter: error.kind === 'rate-limited' ? 300 : 60,
        retryReason: error.kind === 'rate-limited' ? InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED : InvocationErrorCode.FUNCTION_RETRY_REQUEST,
      });
    }
    if (error.kind === 'not-found' && body.kind === 'repository') {
      await store.deleteRepository(body.repositoryUuid);
      scoped.info('Repository no longer exists: stored results removed', { repository: body.repositoryUuid });
      return;
    }
    scoped.error('Scan job failed', { kind: error.kind, status: error.status });
  }
}
