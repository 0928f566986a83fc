/**
 * What every scan-job kind shares: the per-delivery context, the queue's retry answers, and the rule for
 * results that must not be stored yet. Answers Bitbucket can give right after install (401/403 for some
 * minutes: https://developer.atlassian.com/platform/forge/manifest-reference/permissions/), and 429s, are
 * never stored as verdicts: the job asks the queue to retry and, after three retries, stores the honest
 * `not-evaluable` results rather than retrying forever.
 */
import { InvocationError, InvocationErrorCode } from '@forge/events';
import type { Result } from '../../../controls/types';
import type { Logger } from '../../../lib/log';
import type { ScanJob } from '../../../services/scan-jobs';
import type { HistoryEntry, ScanState } from '../../../store/records';
import type { Store } from '../../../store/store';

/** One delivery of a job: its store, logger, instant, and how many times the queue has retried it. */
export interface JobContext {
  store: Store;
  log: Logger;
  at: Date;
  retries: number;
}

export type JobResult = InvocationError | void;
export type JobOf<K extends ScanJob['kind']> = Extract<ScanJob, { kind: K }>;

/** Minutes after install during which a 401/403 is taken as "not authorised yet". */
const INSTALL_GRACE_MS = 30 * 60_000;
export const MAX_RETRIES_BEFORE_STORING = 3;

export type RetryKind = 'rate-limited' | 'hour-spent' | 'not-yet-authorised' | 'upstream';

/**
 * Seconds until the request ledger expects room (`roomAt`, epoch milliseconds), within what a queue delay can be
 * (60 to 900 s); five minutes (a slot of the ledger) when it does not know.
 */
export function secondsUntilRoom(roomAt: number | null, at: Date): number {
  if (roomAt === null) return 300;
  return Math.min(900, Math.max(60, Math.ceil((roomAt - at.getTime()) / 1000)));
}

/** Rate limits are waited out for 10 minutes; a spent hour for `seconds` (secondsUntilRoom); the rest for one. */
export function retry(kind: RetryKind, seconds = 300): InvocationError {
  const waiting = kind === 'rate-limited' || kind === 'hour-spent';
  return new InvocationError({
    retryAfter: kind === 'rate-limited' ? 600 : kind === 'hour-spent' ? seconds : 60,
    retryReason: waiting ? InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED : InvocationErrorCode.FUNCTION_RETRY_REQUEST,
  });
}

/** Why results should not be stored yet, or null when they can be. */
export function transientFailure(
  results: readonly Result[],
  scan: Pick<ScanState, 'installedAt' | 'refusedNeeds'>,
  at: Date,
): Exclude<RetryKind, 'upstream'> | null {
  const { installedAt } = scan;
  // A refusal already known (the credentials' reach, checked up front) will not clear by waiting.
  const known = (need: unknown) => typeof need === 'string' && scan.refusedNeeds[need] !== undefined;
  const kinds = results
    .filter((result) => result.outcome === 'not-evaluable' && !known(result.evidence.need))
    .map((result) => result.evidence.kind);
  if (kinds.includes('rate-limited')) return 'rate-limited';
  if (kinds.includes('hour-spent')) return 'hour-spent';
  const recentlyInstalled = installedAt !== null && at.getTime() - Date.parse(installedAt) < INSTALL_GRACE_MS;
  if (kinds.includes('unauthorized') || (recentlyInstalled && kinds.includes('forbidden'))) return 'not-yet-authorised';
  return null;
}

/** The history entry of a repository that left the workspace. */
export function removal(repository: { uuid: string; slug: string }, at: Date, cause: string): HistoryEntry {
  return {
    subject: repository.uuid,
    subjectName: repository.slug,
    control: 'repository',
    from: null,
    to: null,
    at: at.toISOString(),
    cause,
    actor: null,
  };
}
