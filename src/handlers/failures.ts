/**
 * Which failures a retry can cure. Forge redelivers a trigger or queue event that returns an `InvocationError`
 * after its `retryAfter`, up to four times (https://developer.atlassian.com/platform/forge/events-reference/product_events/,
 * https://developer.atlassian.com/platform/forge/runtime-reference/async-events-api-error-handling/). Transient failures ask for
 * that, with a backoff; permanent ones are logged and the event dropped: a retry would fail the same way, and the
 * hourly plan catches up on whatever the event would have done.
 */
import {
  InternalServerError,
  InvocationError,
  InvocationErrorCode,
  InvocationLimitReachedError,
  PartialSuccessError,
  RateLimitError,
} from '@forge/events';
import { ForgeKvsAPIError } from '@forge/kvs';
import { BitbucketError, type BitbucketErrorKind } from '../bitbucket/errors';

export interface Failure {
  transient: boolean;
  /**
   * Waiting for an hourly limit (Bitbucket's, or our share of it in the request ledger): ten minutes at a time.
   * KVS's and the queue's limits are per minute, and back off like faults do.
   */
  limited: boolean;
  reason: string;
}

/** Bitbucket answers worth another try: limits, 5xx and network faults, bodies cut short, and our per-run ceiling. */
const TRANSIENT_BITBUCKET: ReadonlySet<BitbucketErrorKind> = new Set([
  'rate-limited',
  'hour-spent',
  'upstream',
  'malformed',
  'unauthorized',
  'budget-exhausted',
]);
const LIMITED_BITBUCKET: ReadonlySet<BitbucketErrorKind> = new Set(['rate-limited', 'hour-spent']);

/**
 * `@forge/events` push failures (out/errors.js; their `name` is plain `Error`, so a second copy of the SDK is
 * matched by class name): the limit and server faults clear; invalid pushes do not.
 */
const TRANSIENT_EVENTS = new Set(['RateLimitError', 'InternalServerError', 'PartialSuccessError', 'InvocationLimitReachedError']);

/** Fields read off errors thrown by other copies of the SDKs, matched by shape rather than class. */
interface ErrorShape {
  name?: unknown;
  code?: unknown;
  responseDetails?: { status?: unknown };
  constructor?: { name?: unknown };
}

function kvsFailure(error: Error & ErrorShape): Failure | null {
  const status = typeof error.responseDetails?.status === 'number' ? error.responseDetails.status : null;
  if (!(error instanceof ForgeKvsAPIError) && status === null) return null;
  // KVS answers 429 RATE_LIMIT_EXCEEDED past the per-minute units, 5xx on its own faults
  // (https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/).
  const transient =
    status === 429 || error.code === 'RATE_LIMIT_EXCEEDED' || (status !== null && status >= 500) || error.code === 'TIMEOUT';
  return { transient, limited: false, reason: `KVS ${String(error.code ?? status)}: ${error.message}` };
}

export function classifyFailure(error: unknown): Failure {
  if (error instanceof BitbucketError)
    return { transient: TRANSIENT_BITBUCKET.has(error.kind), limited: LIMITED_BITBUCKET.has(error.kind), reason: error.message };
  if (!(error instanceof Error)) return { transient: false, limited: false, reason: String(error) };
  const shape = error as Error & ErrorShape;
  const kvs = kvsFailure(shape);
  if (kvs) return kvs;
  const className = typeof shape.constructor?.name === 'string' ? shape.constructor.name : '';
  const queueFault = [RateLimitError, InternalServerError, PartialSuccessError, InvocationLimitReachedError].some(
    (type) => error instanceof type,
  );
  if (queueFault || TRANSIENT_EVENTS.has(className)) return { transient: true, limited: false, reason: `queue: ${error.message}` };
  // Another invocation holding a write lease (store.ts) lets go within a minute; a network fault clears.
  if (error.name === 'LeaseBusyError' || /ECONNRESET|ETIMEDOUT|ECONNREFUSED|socket hang up|fetch failed/i.test(error.message))
    return { transient: true, limited: false, reason: error.message };
  return { transient: false, limited: false, reason: error.message };
}

/** The wait before redelivery `retries` (0 for the first): 60 s doubling to 480 s; limits wait 600 s. */
export function backoffSeconds(retries: number, limited: boolean): number {
  return limited ? 600 : Math.min(900, 60 * 2 ** Math.max(0, retries));
}

export function retryLater(failure: Failure, retries: number): InvocationError {
  return new InvocationError({
    retryAfter: backoffSeconds(retries, failure.limited),
    retryReason: failure.limited ? InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED : InvocationErrorCode.FUNCTION_RETRY_REQUEST,
  });
}
