/**
 * Covering an audit period: before the ledger is exported for [since, until), every repository's ledger is
 * brought up to date for it — backfilled from `since` where the ledger starts later, reconciled where it was
 * last checked before `until` — and what could not be covered is named, repository by repository, so an
 * export never looks complete when it is not.
 */
import { listRepositories } from '../bitbucket/api';
import { BitbucketError } from '../bitbucket/errors';
import type { Repository } from '../bitbucket/schemas';
import { unwrapUuid } from '../lib/uuid';
import type { RepositoryRecord } from '../store/records';
import type { AppContext } from './context';
import { updateLedger } from './evidence';
import { toRepositoryRecord } from './repository-record';

export interface PeriodCoverage {
  since: string;
  until: string;
  /** Repositories in the workspace, as Bitbucket listed them (null: the list could not be read whole). */
  repositories: number | null;
  /** Repositories whose ledger holds every merge of the period (empty repositories included: nothing to merge). */
  covered: number;
  /** What could not be covered, and why. Empty: the export is the whole population of the period. */
  gaps: Array<{ repository: string; reason: string }>;
  /** Records added while covering (backfilled or reconciled). */
  recorded: number;
  /** The period reaches past now: what it holds is complete up to this instant, and more may follow. */
  openUntil: string | null;
}

type LedgerContext = Omit<AppContext, 'policy'>;

/** Whether a repository's ledger already holds every merge of the period. */
function holdsPeriod(record: RepositoryRecord | undefined, period: { since: Date; until: Date }): boolean {
  if (!record?.ledgerFrom || !record.ledgerCheckedAt) return false;
  return Date.parse(record.ledgerFrom) <= period.since.getTime() && Date.parse(record.ledgerCheckedAt) >= period.until.getTime();
}

/** Brings one repository's ledger up to date for the period: the gap that remains (null: none), and records added. */
export async function coverRepository(
  ctx: LedgerContext,
  repository: Repository,
  period: { since: Date; until: Date },
): Promise<{ gap: string | null; recorded: number }> {
  const stored = await ctx.store.getRepository(unwrapUuid(repository.uuid));
  if (holdsPeriod(stored, period)) return { gap: null, recorded: 0 };
  const record = toRepositoryRecord(repository, ctx.now, 'evidence-coverage', stored);
  if (record.mainBranch === null) return { gap: null, recorded: 0 };
  const update = await updateLedger(ctx, { record, mainBranch: record.mainBranch, from: period.since });
  // Only a stored repository keeps the new watermarks: the next evaluation stores the others whole.
  if (stored)
    await ctx.store.putRepository({
      ...stored,
      ledgerFrom: update.ledgerFrom,
      ledgerCheckedAt: update.ledgerCheckedAt,
      ledgerBackfill: update.backfill,
    });
  // Stopped because the hour's share of Bitbucket's limit ran out: not a gap but a pause. The backfill's progress
  // is kept above, so the job that waits for room goes on from where this one stopped.
  if (update.truncated && ctx.client.budget.roomAt !== null)
    throw new BitbucketError('hour-spent', repository.full_name, null, `the hour's share ran out after ${update.recorded} new records`);
  const gap = update.truncated ? 'the list of its merged pull requests was cut short; run the export again' : null;
  return { gap, recorded: update.recorded };
}

function reasonOf(error: unknown): string {
  if (error instanceof BitbucketError) return `Bitbucket answered ${error.status ?? error.kind}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Brings every repository's ledger up to date for the period and says how much of it the ledger holds. */
export async function coverPeriod(
  ctx: LedgerContext,
  period: { since: Date; until: Date; progress?: (done: number, total: number) => void },
): Promise<PeriodCoverage> {
  const base = {
    since: period.since.toISOString(),
    until: period.until.toISOString(),
    openUntil: period.until.getTime() > ctx.now.getTime() ? ctx.now.toISOString() : null,
  };
  let listing;
  try {
    listing = await listRepositories(ctx.client, ctx.workspaceUuid);
  } catch (error) {
    return {
      ...base,
      repositories: null,
      covered: 0,
      recorded: 0,
      gaps: [{ repository: '*', reason: `the repositories could not be listed: ${reasonOf(error)}` }],
    };
  }
  const gaps: PeriodCoverage['gaps'] = [];
  if (listing.truncated) gaps.push({ repository: '*', reason: 'the list of repositories was cut short: some may be missing' });
  let covered = 0;
  let recorded = 0;
  for (const [index, repository] of listing.values.entries()) {
    period.progress?.(index, listing.values.length);
    try {
      const outcome = await coverRepository(ctx, repository, period);
      recorded += outcome.recorded;
      if (outcome.gap === null) covered++;
      else gaps.push({ repository: repository.full_name, reason: outcome.gap });
    } catch (error) {
      gaps.push({ repository: repository.full_name, reason: reasonOf(error) });
    }
  }
  period.progress?.(listing.values.length, listing.values.length);
  return { ...base, repositories: listing.truncated ? null : listing.values.length, covered, gaps, recorded };
}
