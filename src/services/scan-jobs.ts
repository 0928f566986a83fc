/**
 * Jobs on the `attest-scan-jobs` queue (manifest `consumer`, 900 s). Bodies are small and validated on the
 * way in: the consumer trusts nothing it reads off the queue. Every job is idempotent, because delivery
 * is at least once: a job whose work a later evaluation already covers (`notBefore`) is skipped.
 */
import { PartialSuccessError, Queue } from '@forge/events';
import { z } from 'zod';
import { Repository } from '../bitbucket/schemas';

export const SCAN_QUEUE = 'attest-scan-jobs';

/** The repository a job carries (as the list answered it), so the consumer need not read it again. */
export const JobRepository = Repository;

export const ScanJob = z.discriminatedUnion('kind', [
  /** List the repositories and plan the hour's evaluations within the request budget. */
  /** `firedAt`: when the scheduled trigger fired (a plan retried for an hour still belongs to that hour). */
  z.object({ kind: z.literal('plan'), workspaceUuid: z.string(), cause: z.string(), firedAt: z.string().optional() }),
  /** Evaluate one repository; `repository` is absent when only its id is known (events). */
  z.object({
    kind: z.literal('repository'),
    workspaceUuid: z.string(),
    repositoryUuid: z.string(),
    repository: JobRepository.optional(),
    cause: z.string(),
    /** Skip when the stored evaluation is at least this recent (ISO 8601): collapses bursts of events. */
    notBefore: z.string().optional(),
    /** A ceiling on this job's Bitbucket requests. */
    maxRequests: z.number().int().positive().optional(),
  }),
  z.object({ kind: z.literal('workspace'), workspaceUuid: z.string(), cause: z.string() }),
  z.object({ kind: z.literal('summary'), workspaceUuid: z.string(), cause: z.string(), notBefore: z.string().optional() }),
  /** Record a merged pull request in the evidence ledger (a `fulfilled` event whose first try failed). */
  z.object({
    kind: z.literal('evidence'),
    workspaceUuid: z.string(),
    repositoryUuid: z.string(),
    pullRequestId: z.number().int().positive(),
    mergedAt: z.string(),
    cause: z.string(),
  }),
  /**
   * Bring the ledger up to date for an audit period an administrator asked for from the dashboard: the
   * repositories after `after` (by UUID), as many as fit in one delivery; the rest in a job it enqueues.
   */
  z.object({
    kind: z.literal('evidence-period'),
    workspaceUuid: z.string(),
    since: z.string(),
    until: z.string(),
    after: z.string().optional(),
    cause: z.string(),
  }),
  /** Read an access review's snapshot: the workspace part first, then the repositories after `after`, in chunks. */
  z.object({ kind: z.literal('access-snapshot'), workspaceUuid: z.string(), reviewId: z.string(), cause: z.string() }),
  /** Delivery metrics: go on with a sync pass (backfill or deployments) after `after`; a job of another pass stops. */
  z.object({ kind: z.literal('flow-pass'), workspaceUuid: z.string(), passId: z.string(), cause: z.string() }),
  /** Delivery metrics: fold changed repositories into the workspace's figures, and start a sync pass when one is due. */
  z.object({ kind: z.literal('flow-rollup'), workspaceUuid: z.string(), cause: z.string() }),
]);
export type ScanJob = z.infer<typeof ScanJob>;

export interface QueuedJob {
  job: ScanJob;
  delayInSeconds?: number;
}

/**
 * The body of a refused event. @forge/events 3.0.8 declares `failedEvents[].event` but fills in `payload`
 * (out/validators.js); both are read, compared by their JSON.
 */
function refusedBody(failed: unknown): string {
  const parsed = z
    .object({ event: z.object({ body: z.unknown() }).optional(), payload: z.object({ body: z.unknown() }).optional() })
    .safeParse(failed);
  const body = parsed.success ? (parsed.data.event ?? parsed.data.payload)?.body : undefined;
  return JSON.stringify(body ?? null);
}

/** Attempts at pushing events the queue refused inside an accepted push, first included. */
const PUSH_ATTEMPTS = 3;

/**
 * Pushes jobs in chunks of at most 50 events, the per-push maximum. A push can be accepted in part: the
 * SDK throws PartialSuccessError naming the refused events (@forge/events; https://developer.atlassian.com/platform/forge/runtime-reference/
 * async-events-api-error-handling/), and those are pushed again; what is still refused after three
 * attempts, or a RateLimitError, is thrown, so the caller's invocation fails and is retried whole (jobs
 * are idempotent, so the events that did get through are harmless twice).
 */
export async function enqueue(jobs: readonly QueuedJob[]): Promise<string[]> {
  const queue = new Queue({ key: SCAN_QUEUE });
  const jobIds: string[] = [];
  for (let start = 0; start < jobs.length; start += 50) {
    let chunk: Array<{ body: ScanJob; delayInSeconds?: number }> = jobs.slice(start, start + 50).map(({ job, delayInSeconds }) => ({
      body: job,
      ...(delayInSeconds ? { delayInSeconds: Math.min(900, Math.max(0, Math.round(delayInSeconds))) } : {}),
    }));
    for (let attempt = 1; chunk.length > 0; attempt++) {
      try {
        const { jobId } = await queue.push(chunk);
        jobIds.push(jobId);
        chunk = [];
      } catch (error) {
        if (!(error instanceof PartialSuccessError) || attempt >= PUSH_ATTEMPTS) throw error;
        const refused = new Set(error.failedEvents.map(refusedBody));
        chunk = chunk.filter((event) => refused.has(JSON.stringify(event.body)));
        if (chunk.length === 0) throw error;
      }
    }
  }
  return jobIds;
}
