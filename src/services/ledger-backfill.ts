/**
 * The ledger's backfill: every pull request merged into the main branch and updated since the review window's
 * start, read oldest first, a page of 50 at a time, over as many evaluations as it takes. A busy repository (50
 * merges a day: 4,500 in 90 days, three requests each to record) cannot be read in one evaluation's budget; read
 * newest first and cut short, the oldest would never be reached. Each evaluation goes on from where the last
 * stopped (`RepositoryRecord.ledgerBackfill.through`); the ledger counts as holding the window only once the
 * listing reaches its end.
 */
import { listMergedPullRequestsSince } from '../bitbucket/api';
import { BitbucketError } from '../bitbucket/errors';
import { requireInstant } from '../lib/instant';
import type { AppContext } from './context';
import { recordMissing, type LedgerTarget, type LedgerUpdate } from './evidence';

/** Pages one evaluation lists at most (the request budget usually stops it sooner). */
const PAGES_PER_EVALUATION = 200;

/** Requests a backfill leaves in its evaluation's budget for the other controls' reads (about ten a repository). */
const LEFT_FOR_OTHER_READS = 15;

/**
 * Keeps how far the backfill got on the stored repository at once: the evaluation it is part of may not be
 * stored (its other reads refused for the hour), and the next one must not start again from the beginning.
 */
async function keepProgress(ctx: Omit<AppContext, 'policy'>, uuid: string, backfill: { from: string; through: string }): Promise<void> {
  const stored = await ctx.store.getRepository(uuid);
  if (stored) await ctx.store.putRepository({ ...stored, ledgerBackfill: backfill });
}

/** The evaluation's own budget is nearly spent: stop, so its other reads still fit. */
function budgetNearlySpent(client: AppContext['client']): boolean {
  const { ceiling, used } = client.budget;
  return ceiling !== null && used >= ceiling - LEFT_FOR_OTHER_READS;
}

/** Errors that stop a backfill for now (the budget of this evaluation or of the hour): the next one goes on. */
function stopsForNow(error: unknown): boolean {
  return error instanceof BitbucketError && (error.kind === 'budget-exhausted' || error.kind === 'hour-spent');
}

export async function backfillLedger(ctx: Omit<AppContext, 'policy'>, target: LedgerTarget & { from: Date }): Promise<LedgerUpdate> {
  const { client, workspaceUuid, now } = ctx;
  const { record, mainBranch, from } = target;
  // A backfill that started at or before this window's start goes on; otherwise one starts at the window's start.
  const resumed = record.ledgerBackfill !== null && Date.parse(record.ledgerBackfill.from) <= from.getTime() ? record.ledgerBackfill : null;
  const start = resumed ? resumed.from : from.toISOString();
  let through = resumed ? new Date(Math.max(from.getTime(), Date.parse(resumed.through))) : from;
  let recorded = 0;
  const partial = async (): Promise<LedgerUpdate> => {
    const backfill = { from: start, through: through.toISOString() };
    await keepProgress(ctx, record.uuid, backfill);
    return { truncated: true, ledgerFrom: record.ledgerFrom, ledgerCheckedAt: record.ledgerCheckedAt, backfill, recorded };
  };
  for (let page = 0; page < PAGES_PER_EVALUATION; page++) {
    if (budgetNearlySpent(client)) return partial();
    let listing;
    try {
      // A page at a time: each is recorded before the next is listed.
      const window = { branch: mainBranch, since: through, oldestFirst: true };
      listing = await listMergedPullRequestsSince(client, { workspaceUuid, repositoryUuid: record.uuid }, window, 1);
    } catch (error) {
      if (stopsForNow(error)) return partial();
      throw error;
    }
    const step = await recordMissing(ctx, {
      record,
      mainBranch,
      prs: listing.values,
      origin: 'backfill',
      stop: () => budgetNearlySpent(client),
    });
    recorded += step.recorded;
    const handled = listing.values[step.done - 1];
    // Everything updated before the last one handled is in the ledger (equal times are listed again, and found).
    const next = handled?.updated_on ? new Date(requireInstant(handled.updated_on, 'updated_on')) : through;
    const moved = next.getTime() > through.getTime();
    through = next;
    if (step.error) {
      if (stopsForNow(step.error)) return partial();
      throw step.error;
    }
    if (step.done < listing.values.length) return partial();
    if (!listing.truncated) return { truncated: false, ledgerFrom: start, ledgerCheckedAt: now.toISOString(), backfill: null, recorded };
    // A full page of pull requests all updated at the same instant as the last: no way on by time; say it is cut short.
    if (!moved) return partial();
  }
  return partial();
}
