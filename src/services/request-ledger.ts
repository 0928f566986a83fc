/**
 * Who may spend what of the hour. Bitbucket allows an app 1,000 requests in a rolling hour on the base plan
 * (https://support.atlassian.com/bitbucket-cloud/docs/api-request-limits/); the app's budget (ScanState.hourlyBudget,
 * 800 by default, halved after a 429) is shared by every invocation through the ledger (store/request-ledger.ts):
 *
 * - scans (planned and event-driven evaluations, workspace controls, evidence backfill) stop at the budget less
 *   a reserve, so they can never starve the rest;
 * - pull-request events (the card's checks, recording a merge) may use the reserve, up to the budget;
 * - merge checks, which a developer is waiting on, may go past the budget up to 95% of Bitbucket's limit.
 *
 * A claim the ledger cannot make (KVS refused it) counts as refused for scans and events, which wait, and as
 * granted for a merge check, which must answer now: an uncounted merge check costs three requests.
 */
import { appRequest, createBitbucketClient, type BitbucketClient, type ClientOptions, type RequestLedgerPort } from '../bitbucket/client';
import { now as clockNow } from '../lib/clock';
import type { Logger } from '../lib/log';
import { claimRequests, returnRequests, type RequestKind } from '../store/request-ledger';
import type { Store } from '../store/store';
import type { FailureRecord } from '../store/records';
import { isUuid, unwrapUuid } from '../lib/uuid';

export const BITBUCKET_HOURLY_LIMIT = 1000;
/** The share of the budget kept from scans for pull-request events and merge checks. */
export const INTERACTIVE_RESERVE = 0.15;

export function ceilingFor(kind: RequestKind, hourlyBudget: number): number {
  if (kind === 'scan') return hourlyBudget - Math.ceil(hourlyBudget * INTERACTIVE_RESERVE);
  if (kind === 'event') return hourlyBudget;
  return Math.floor(BITBUCKET_HOURLY_LIMIT * 0.95);
}

/** What a ledger port needs: the kind of work, the budget in force, how much to claim at a time, and a logger. */
export interface LedgerOptions {
  kind: RequestKind;
  hourlyBudget: number;
  chunk: number;
  log?: Logger;
}

export function requestLedger(options: LedgerOptions): RequestLedgerPort {
  const ceiling = ceilingFor(options.kind, options.hourlyBudget);
  const warn = (error: unknown) =>
    options.log?.warn('The request ledger could not be written', {
      kind: options.kind,
      error: error instanceof Error ? error.message : String(error),
    });
  let claimedAt = 0;
  // The claim still being written when a merge check went ahead on its window read (`onRoom`).
  let writing: Promise<unknown> = Promise.resolve();
  const claimNow = async (requests: number, onRoom?: () => void) => {
    try {
      claimedAt = clockNow().getTime();
      const answer = await claimRequests({ kind: options.kind, requests, ceiling, now: claimedAt, ...(onRoom ? { onRoom } : {}) });
      if (!answer.granted)
        options.log?.info('The hour’s requests are spent for this kind of work', { kind: options.kind, spent: answer.spent, ceiling });
      return { granted: answer.granted, roomAt: answer.roomAt };
    } catch (error) {
      warn(error);
      return { granted: options.kind === 'interactive', roomAt: null };
    }
  };
  return {
    chunk: Math.max(1, Math.round(options.chunk)),
    async claim(requests) {
      if (options.kind !== 'interactive') return claimNow(requests);
      // A merge check goes ahead as soon as the window has room; its claim is written meanwhile (and awaited before
      // anything is given back). Should the claim then lose its place twelve times over, those requests go uncounted.
      await writing;
      return new Promise((resolve) => {
        writing = claimNow(requests, () => resolve({ granted: true, roomAt: null })).then(resolve);
      });
    },
    async release(requests) {
      await writing;
      // Best-effort: a return that cannot be written leaves the requests counted, which only errs on the safe side.
      await returnRequests({ kind: options.kind, requests, now: clockNow().getTime(), claimedAt }).catch(warn);
    },
  };
}

/** What each kind of work is called in the Health tab's log. */
const OPERATION: Record<RequestKind, string> = { scan: 'scan', event: 'pull-request event', interactive: 'merge check' };
/** Errors one invocation logs at most: a storm of 429s is the same story a thousand times. */
const FAILURES_PER_INVOCATION = 20;

/** The repository a request path names (`/2.0/repositories/{workspace}/{repository}/…`), as a bare uuid. */
function repositoryOf(path: string): string | null {
  const match = /\/2\.0\/repositories\/[^/]+\/([^/?]+)/.exec(path);
  if (!match?.[1]) return null;
  const segment = decodeURIComponent(match[1]);
  return isUuid(segment) ? unwrapUuid(segment) : null;
}

/**
 * A client acting as the app whose every request is claimed from the ledger (the budget read from the scan state).
 * The errors Bitbucket answers with are kept for the Health tab when the client settles (at most 20 an invocation).
 */
export async function ledgeredAppClient(
  store: Pick<Store, 'getScan' | 'recordFailures'>,
  ledger: Omit<LedgerOptions, 'hourlyBudget'>,
  options: Omit<ClientOptions, 'request' | 'ledger'> = {},
): Promise<BitbucketClient> {
  // A merge check's ceiling does not depend on the budget: it is not read, to keep the check quick.
  const hourlyBudget = ledger.kind === 'interactive' ? BITBUCKET_HOURLY_LIMIT : (await store.getScan()).hourlyBudget;
  const failures: FailureRecord[] = [];
  const port = requestLedger({ ...ledger, hourlyBudget });
  const keepFailures = async () => {
    const kept = failures.splice(0);
    if (kept.length > 0)
      await store
        .recordFailures(kept)
        .catch((error: unknown) =>
          ledger.log?.warn('Errors were not kept for the Health tab', { error: error instanceof Error ? error.message : String(error) }),
        );
  };
  return createBitbucketClient({
    ...options,
    request: appRequest(),
    ledger: { ...port, release: async (requests) => Promise.all([port.release(requests), keepFailures()]).then(() => undefined) },
    onFailure: (error) => {
      if (failures.length >= FAILURES_PER_INVOCATION) return;
      failures.push({
        at: clockNow().toISOString(),
        operation: OPERATION[ledger.kind],
        path: error.path,
        status: error.status,
        kind: error.kind,
        message: error.message.slice(0, 500),
        repositoryUuid: repositoryOf(error.path),
      });
    },
  });
}
