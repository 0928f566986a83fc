/**
 * The hour's plan. Settings drift has no Bitbucket event (docs/platform-facts.md §2), so every hour the planner
 * lists the repositories and queues evaluations for the ones whose results are oldest, within an hourly
 * request budget: by default 80% of the base 1,000 requests an hour, halved after a 429 and raised by 80 an
 * hour while none comes; scans plan within the budget less the reserve for events and merge checks, and every
 * request is claimed from the installation's request ledger before it is sent. The workspace controls run once a day. What does not fit waits for the next
 * hour, and the stated freshness (`hoursPerFullPass`) says how long a full pass takes at this budget.
 */
import { listRepositories } from '../bitbucket/api';
import type { Paginated } from '../bitbucket/paginate';
import { repositorySlug, type Repository } from '../bitbucket/schemas';
import { instantMs } from '../lib/instant';
import { unwrapUuid } from '../lib/uuid';
import type { IndexRow, RepositoryRecord } from '../store/records';
import type { AppContext } from './context';
import type { QueuedJob } from './scan-jobs';
import { toRepositoryRecord } from './repository-record';
import { ceilingFor } from './request-ledger';
import { currentRows, indexRow } from './summary';

export const DEFAULT_HOURLY_BUDGET = 800;
export const MIN_HOURLY_BUDGET = 100;
/** A first evaluation also backfills the ledger, so it costs more than later ones. */
export const FIRST_EVALUATION_ESTIMATE = 10;
export const WORKSPACE_EVALUATION_ESTIMATE = 3;
export const HISTORY_RETENTION_DAYS = 400;

export interface Plan {
  jobs: QueuedJob[];
  budget: number;
  planned: number;
  estimatedRequests: number;
  repositories: number;
  hoursPerFullPass: number;
  /** The listing, as delivery metrics' sync pass needs it (no second listing): complete or not. */
  listed: { repositories: Array<{ uuid: string; mainBranch: string | null }>; truncated: boolean };
}

/** What a quiet hour gives back: a tenth of the default budget (additive increase). */
export const HOURLY_BUDGET_STEP = DEFAULT_HOURLY_BUDGET / 10;

/**
 * Multiplicative decrease, additive increase (as TCP's congestion control): a 429 halves the budget, a
 * near-limit header trims it by 10%, and each quiet hour adds a tenth of the default back. Growing by 10% of
 * itself instead took 22 hours to come back from the minimum; this takes 9.
 */
export function nextBudget(current: number, signal: 'rate-limited' | 'near-limit' | null): number {
  if (signal === 'rate-limited') return Math.max(MIN_HOURLY_BUDGET, Math.floor(current / 2));
  if (signal === 'near-limit') return Math.max(MIN_HOURLY_BUDGET, Math.floor(current * 0.9));
  return Math.min(DEFAULT_HOURLY_BUDGET, current + HOURLY_BUDGET_STEP);
}

/** What a plan works with: the invocation's client, store, workspace and instant; `random` jitters the spread. */
export type PlanContext = Omit<AppContext, 'policy'> & { random?: () => number };

type Listed = Paginated<Repository>['values'][number];

/** Repositories gone without a `deleted` event (or whose event was lost) are dropped, and said; new ones stored at once. */
async function reconcileRecords(ctx: PlanContext, listing: Paginated<Repository>, cause: string): Promise<Map<string, IndexRow>> {
  const { store, now } = ctx;
  // The summary's rows and the records changed since it was rebuilt: not every record (services/summary.ts).
  const {
    rows: stored,
    folded: { mode },
  } = await currentRows(store, now);
  const listed = new Set(listing.values.map((repository) => unwrapUuid(repository.uuid)));
  if (!listing.truncated) {
    for (const record of stored.values()) {
      if (listed.has(record.uuid)) continue;
      await store.deleteRepository(record.uuid, {
        subject: record.uuid,
        subjectName: record.slug,
        control: 'repository',
        from: null,
        to: null,
        at: now.toISOString(),
        cause: `${cause}: no longer in the workspace`,
        actor: null,
      });
      stored.delete(record.uuid);
    }
  }
  await storeNewRepositories(ctx, { listing, stored, mode }, cause);
  return stored;
}

/**
 * New repositories are stored at once, so the dashboard counts them before their first evaluation. Rows folded in
 * part (`incremental`) could miss a record whose change marker expired unfolded: such candidates are read first,
 * so a stored evaluation is never replaced by a blank record.
 */
async function storeNewRepositories(
  ctx: PlanContext,
  known: { listing: Paginated<Repository>; stored: Map<string, IndexRow>; mode: 'full' | 'incremental' },
  cause: string,
): Promise<void> {
  const { store, now } = ctx;
  const candidates = known.listing.values.filter((repository) => !known.stored.has(unwrapUuid(repository.uuid)));
  const existing =
    known.mode === 'incremental' && candidates.length > 0
      ? await store.getRepositories(candidates.map((repository) => unwrapUuid(repository.uuid)))
      : new Map<string, RepositoryRecord>();
  for (const repository of candidates) {
    const uuid = unwrapUuid(repository.uuid);
    const record = existing.get(uuid);
    if (record) known.stored.set(uuid, indexRow(record));
    else await store.putRepository(toRepositoryRecord(repository, now, cause));
  }
}

/**
 * The most one evaluation is planned at. A repository whose ledger is being backfilled spends whatever its job
 * allows (four times its estimate) and would otherwise grow its estimate past what an hour can hold, and then
 * never be planned again; capped, its job (400 requests) fits the hour, and the backfill goes on where it stopped.
 */
export const MAX_EVALUATION_ESTIMATE = 100;

/** Requests one evaluation of a repository is expected to cost: its last measured cost, or the typical one. */
function costEstimator(stored: ReadonlyMap<string, IndexRow>): (uuid: string) => number {
  const known = [...stored.values()]
    .filter((record) => record.requests > 0)
    .map((record) => Math.min(MAX_EVALUATION_ESTIMATE, record.requests));
  const typical = known.length > 0 ? Math.ceil(known.reduce((sum, n) => sum + n, 0) / known.length) : FIRST_EVALUATION_ESTIMATE;
  return (uuid) => {
    const record = stored.get(uuid);
    if (record?.evaluatedAt) return Math.max(1, Math.min(MAX_EVALUATION_ESTIMATE, record.requests || typical));
    // First evaluations: the measured typical cost once there are a few, the conservative default before.
    return known.length >= 5 ? typical : FIRST_EVALUATION_ESTIMATE;
  };
}

/** Oldest results first; with `reuseUnchanged` (`attest scan --incremental`), unchanged repositories keep theirs. */
function evaluationOrder(listing: readonly Listed[], stored: ReadonlyMap<string, IndexRow>, reuseUnchanged: boolean): Listed[] {
  const unchanged = (repository: Listed) => {
    const record = stored.get(unwrapUuid(repository.uuid));
    const changed = repository.updated_on ? instantMs(repository.updated_on) : Number.NaN;
    return record !== undefined && record.evaluatedAt !== null && changed <= Date.parse(record.evaluatedAt);
  };
  return listing
    .filter((repository) => !(reuseUnchanged && unchanged(repository)))
    .sort((a, b) => {
      const ea = stored.get(unwrapUuid(a.uuid))?.evaluatedAt ?? '';
      const eb = stored.get(unwrapUuid(b.uuid))?.evaluatedAt ?? '';
      return ea.localeCompare(eb) || repositorySlug(a).localeCompare(repositorySlug(b));
    });
}

/**
 * The hour's jobs: spread over 14 minutes with jitter (queue delays go up to 15 minutes), so parallel
 * consumers do not all call Bitbucket at once, and pushes stay far under 500 events a minute.
 */
function jobsFor(
  ctx: PlanContext,
  selection: { selected: Listed[]; estimate: (uuid: string) => number; workspaceDue: boolean },
  cause: string,
): QueuedJob[] {
  const { workspaceUuid, now } = ctx;
  const random = ctx.random ?? Math.random;
  const { selected, estimate } = selection;
  const spread = 840;
  const jobs: QueuedJob[] = selected.map((repository, index) => ({
    job: {
      kind: 'repository',
      workspaceUuid,
      repositoryUuid: unwrapUuid(repository.uuid),
      repository,
      cause,
      notBefore: now.toISOString(),
      maxRequests: Math.max(40, estimate(unwrapUuid(repository.uuid)) * 4),
    },
    delayInSeconds: selected.length <= 1 ? 0 : Math.floor((index / selected.length) * spread + random() * 30),
  }));
  if (selection.workspaceDue) jobs.push({ job: { kind: 'workspace', workspaceUuid, cause }, delayInSeconds: 0 });
  jobs.push({
    job: { kind: 'summary', workspaceUuid, cause, notBefore: now.toISOString() },
    delayInSeconds: selected.length > 0 ? 900 : 0,
  });
  return jobs;
}

/** The workspace's repositories; a listing that fails is remembered (ScanState.listingError) before it is thrown. */
async function listWorkspaceRepositories(ctx: PlanContext): Promise<Paginated<Repository>> {
  try {
    return await listRepositories(ctx.client, ctx.workspaceUuid);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await ctx.store.markScan({ listingError: message });
    throw error;
  }
}

export async function planHour(ctx: PlanContext, cause: string): Promise<Plan> {
  const { client, store, now } = ctx;
  const state = await store.getScan();
  const since = (at: string | null) => at !== null && (state.lastPlanAt === null || at > state.lastPlanAt);
  const signal = since(state.rateLimitedAt) ? 'rate-limited' : since(state.nearLimitAt) ? 'near-limit' : null;
  const budget = state.lastPlanAt === null ? state.hourlyBudget : nextBudget(state.hourlyBudget, signal);
  const before = client.budget.used;
  const listing = await listWorkspaceRepositories(ctx);
  const stored = await reconcileRecords(ctx, listing, cause);
  const estimate = costEstimator(stored);
  const workspaceDue =
    state.workspaceEvaluatedAt === null || now.getTime() - Date.parse(state.workspaceEvaluatedAt) >= 86_400_000 - 300_000;
  // Scans get the budget less the reserve kept for pull-request events and merge checks (services/request-ledger.ts).
  const share = ceilingFor('scan', budget);
  let remaining = share - (client.budget.used - before) - (workspaceDue ? WORKSPACE_EVALUATION_ESTIMATE : 0);
  const selected: Listed[] = [];
  for (const repository of evaluationOrder(listing.values, stored, state.reuseUnchanged)) {
    const cost = estimate(unwrapUuid(repository.uuid));
    if (cost > remaining) continue;
    remaining -= cost;
    selected.push(repository);
  }
  const total = listing.values.reduce((sum, repository) => sum + estimate(unwrapUuid(repository.uuid)), 0);
  const hoursPerFullPass = Math.round((total / Math.max(1, share - WORKSPACE_EVALUATION_ESTIMATE)) * 10) / 10;
  await store.markScan({
    lastPlanAt: now.toISOString(),
    hourlyBudget: budget,
    repositories: listing.values.length,
    truncated: listing.truncated,
    listingError: null,
    hoursPerFullPass,
  });
  await pruneHistoryNightly(ctx, state.installedAt);
  return {
    jobs: jobsFor(ctx, { selected, estimate, workspaceDue }, cause),
    budget,
    planned: selected.length,
    estimatedRequests: share - remaining,
    repositories: listing.values.length,
    hoursPerFullPass,
    listed: {
      repositories: listing.values.map((repository) => ({
        uuid: unwrapUuid(repository.uuid),
        mainBranch: repository.mainbranch?.name ?? null,
      })),
      truncated: listing.truncated,
    },
  };
}

/** Once a day (the 03:00 UTC plan), history older than the retention goes. */
async function pruneHistoryNightly(ctx: PlanContext, installedAt: string | null): Promise<void> {
  const { store, now } = ctx;
  if (now.getUTCHours() !== 3) return;
  // History starts at the install; without a record of it, two years back covers any retention we keep.
  const from = installedAt ? new Date(installedAt) : new Date(now.getTime() - 730 * 86_400_000);
  await store.pruneHistory(new Date(now.getTime() - HISTORY_RETENTION_DAYS * 86_400_000).toISOString(), from);
}
