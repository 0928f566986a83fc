/**
 * Evaluating one repository or the workspace inside the app, and storing the result with the history of
 * what changed. BB-PR-1 and BB-PR-2 read the evidence ledger (kept up to date here), not the API listing.
 */
import { BitbucketError } from '../bitbucket/errors';
import { getRepository } from '../bitbucket/api';
import type { Repository } from '../bitbucket/schemas';
import type { MergedChange } from '../controls/merged-change';
import { REPOSITORY_CONTROLS, WORKSPACE_CONTROLS } from '../controls';
import type { Result, Slice } from '../controls/types';
import { collectRepository, collectWorkspace, workspaceNeeds, type Refusals } from '../engine/collect';
import { slice } from '../engine/slices';
import { accessReviewState } from './access-review-state';
import { evaluateRepository as runControls, evaluateWorkspace } from '../engine/evaluate';
import { score } from '../engine/summarize';
import { resolveRepository, resolveWorkspaceExceptions } from '../policy/resolve';
import type { HistoryEntry, RepositoryRecord, StoredResult } from '../store/records';
import type { Store } from '../store/store';
import { readLedger, type LedgerRead } from './evidence';
import type { AppContext } from './context';
import { toRepositoryRecord } from './repository-record';

export function outcomeChanges(
  subject: { uuid: string; name: string },
  before: readonly StoredResult[] | null,
  after: readonly Result[] | null,
  change: { at: string; cause: string; actor?: string | null },
): HistoryEntry[] {
  const { at, cause } = change;
  const actor = change.actor ?? null;
  if (before === null) return []; // a first evaluation is not a change
  const previous = new Map(before.map((result) => [result.control, result.outcome]));
  const next = new Map((after ?? []).map((result) => [result.control, result.outcome]));
  const changes: HistoryEntry[] = [];
  for (const control of new Set([...previous.keys(), ...next.keys()])) {
    const from = previous.get(control) ?? null;
    const to = next.get(control) ?? null;
    if (from !== to) changes.push({ subject: subject.uuid, subjectName: subject.name, control, from, to, at, cause, actor });
  }
  return changes.sort((a, b) => a.control.localeCompare(b.control));
}

export interface RepositoryEvaluation {
  record: RepositoryRecord;
  changes: HistoryEntry[];
  requests: number;
}

export interface RepositoryJob {
  repository: Repository;
  cause: string;
  /** Reads the credentials were refused when their reach was checked: not asked again. */
  refused?: Refusals;
}

/** `mainbranch: null` is an empty repository; an answer without the field says nothing: read it again, or stop. */
async function withMainBranch(ctx: AppContext, repository: Repository): Promise<Repository> {
  if (repository.mainbranch !== undefined) return repository;
  const again = await getRepository(ctx.client, ctx.workspaceUuid, repository.uuid);
  if (again.mainbranch === undefined)
    throw new BitbucketError(
      'malformed',
      `/2.0/repositories/{workspace}/${repository.uuid}`,
      null,
      'the repository answer has no mainbranch field',
    );
  return again;
}

/** The ledger brought up to date as its own step; its merged pull requests (or the error) become a slice. */
async function ledgerStep(
  ctx: AppContext,
  base: RepositoryRecord,
  mainBranch: string,
): Promise<{ slice: Slice<MergedChange[]>; read: LedgerRead | null }> {
  try {
    const read = await readLedger(ctx, base, mainBranch);
    return { slice: { ok: true, value: read.merged, truncated: read.truncated }, read };
  } catch (error) {
    const failure =
      error instanceof BitbucketError
        ? error
        : new BitbucketError('internal', 'pullrequests', null, error instanceof Error ? error.message : String(error));
    return { slice: { ok: false, error: failure }, read: null };
  }
}

/**
 * Reads and evaluates one repository, top-down: the policy resolves the subject once (policy/resolve), the
 * ledger is brought up to date (services/evidence), the other reads are collected (engine/collect), the
 * controls decide (engine/evaluate). Nothing is stored but evidence records the ledger lacked; the caller
 * decides whether the results are stored (`storeRepositoryEvaluation`).
 */
export async function evaluateRepository(ctx: AppContext, job: RepositoryJob): Promise<RepositoryEvaluation> {
  const { client, store, workspaceUuid, policy, now } = ctx;
  const startRequests = client.budget.used;
  const repository = await withMainBranch(ctx, job.repository);
  const previous = await store.getRepository(repository.uuid);
  const base = toRepositoryRecord(repository, now, job.cause, previous);
  const identity = { slug: base.slug, uuid: repository.uuid, projectKey: base.projectKey };
  const resolved = resolveRepository(REPOSITORY_CONTROLS, { identity, mainBranch: base.mainBranch }, policy, now);
  const refused = job.refused ?? {};
  const ledger =
    resolved.needs.has('mergedPullRequests') && base.mainBranch !== null && !refused.mergedPullRequests
      ? await ledgerStep(ctx, base, base.mainBranch)
      : null;
  const given = ledger ? { mergedPullRequests: ledger.slice } : {};
  const snapshot = await collectRepository(client, { workspaceUuid, repository, needs: resolved.needs }, { policy, now, refused, given });
  const results = runControls(snapshot, resolved, { policy, now });
  const evaluatedAt = now.toISOString();
  const record: RepositoryRecord = {
    ...base,
    classification: resolved.classification,
    score: score(results),
    results,
    evaluatedAt,
    requests: client.budget.used - startRequests,
    ledgerFrom: ledger?.read ? ledger.read.ledgerFrom : base.ledgerFrom,
    ledgerCheckedAt: ledger?.read ? ledger.read.ledgerCheckedAt : base.ledgerCheckedAt,
    ledgerBackfill: ledger?.read ? ledger.read.backfill : base.ledgerBackfill,
  };
  const changes = outcomeChanges({ uuid: record.uuid, name: record.slug }, previous?.results ?? null, results, {
    at: evaluatedAt,
    cause: job.cause,
  });
  return { record, changes, requests: record.requests };
}

export async function storeRepositoryEvaluation(store: Store, evaluation: RepositoryEvaluation): Promise<boolean> {
  return store.putRepository(evaluation.record, evaluation.changes);
}

/** The workspace controls' results, and the display names the members and administrators listings carried. */
export async function evaluateWorkspaceControls(
  ctx: AppContext,
  refused: Refusals = {},
): Promise<{ results: Result[]; people: Map<string, string> }> {
  const { client, workspaceUuid, policy, now, store } = ctx;
  const needs = workspaceNeeds(WORKSPACE_CONTROLS, policy);
  const given = needs.has('accessReviews') ? { accessReviews: await slice(() => accessReviewState(store), 'access reviews') } : {};
  const snapshot = await collectWorkspace(client, { workspaceUuid, needs, refused, given });
  const results = evaluateWorkspace(
    WORKSPACE_CONTROLS,
    snapshot,
    { policy, now },
    resolveWorkspaceExceptions(WORKSPACE_CONTROLS, policy, now),
  );
  const accounts = [
    ...(snapshot.members?.ok ? snapshot.members.value.map((member) => member.user) : []),
    ...(snapshot.workspacePermissions?.ok ? snapshot.workspacePermissions.value.map((permission) => permission.user) : []),
  ];
  const people = new Map(
    accounts.flatMap((account) =>
      account.account_id && account.display_name ? [[account.account_id, account.display_name] as const] : [],
    ),
  );
  return { results, people };
}

export async function storeWorkspaceResults(store: Store, results: Result[], now: Date, cause: string): Promise<boolean> {
  const previous = await store.getWorkspace();
  const written = await store.putWorkspace({ results, evaluatedAt: now.toISOString(), cause });
  if (written)
    await store.addHistory(
      outcomeChanges({ uuid: 'workspace', name: 'workspace' }, previous?.results ?? null, results, { at: now.toISOString(), cause }),
    );
  return written;
}
