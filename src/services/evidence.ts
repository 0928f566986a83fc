/**
 * The change-management evidence ledger: one immutable record per pull request merged into the main
 * branch (who approved it other than the author, and when; the build state per status key; the merge
 * commit; whether it meets BB-PR-1 and BB-PR-2). Records come from `fulfilled` events, from the first
 * evaluation of each repository (backfilling the review window), and from reconciliation on later
 * evaluations, which lists recently merged pull requests and records any an event missed.
 */
import {
  getFullCommitHash,
  getPullRequest,
  getPullRequestActivity,
  getPullRequestStatuses,
  listMergedPullRequestsSince,
  resolveOnBranch,
} from '../bitbucket/api';
import { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { hadPassingBuild, independentlyApproved, mergedChangeOf, type MergedChange } from '../controls/merged-change';
import { instantMs, requireInstant } from '../lib/instant';
import { unwrapUuid } from '../lib/uuid';
import { isProtectedBranch, mainBranchOf } from './pull-request-evaluation';
import { backfillLedger } from './ledger-backfill';
import type { EvidenceRecord, RepositoryRecord } from '../store/records';
import type { AppContext } from './context';
import type { Policy } from '../policy/policy';

/** What a merge is recorded from: the pull request as read, its statuses, and where it was merged. */
export interface MergeSource {
  repository: { uuid: string; slug: string };
  pr: PullRequest;
  statuses: CommitStatus[];
}

/** How a record's merge time was known: the activity log's MERGED entry, the `fulfilled` event, or (labelled) `updated_on`. */
export type MergeTimeSource = NonNullable<EvidenceRecord['mergedAtSource']>;

/**
 * Activity pages read looking for the merge. The log is served newest first, so the MERGED entry is on the
 * first page unless 50 things happened to the pull request after its merge.
 */
const MERGE_ACTIVITY_PAGES = 3;

/**
 * When a pull request was merged. Bitbucket records the merge in the pull request's activity log, as an
 * `update` whose state is MERGED, dated (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-pullrequests/#api-repositories-workspace-repo-slug-pullrequests-pull-request-id-activity-get);
 * the pull request itself has no merge time, and its `updated_on` moves with every later comment. The merge
 * commit's date is no substitute: a fast-forward merge keeps the author's commit date. Only when the log does
 * not show the merge within its first pages is `updated_on` used, and the record says so.
 */
export async function mergeTimeOf(
  client: AppContext['client'],
  target: { workspaceUuid: string; repositoryUuid: string; id: number },
  pr: PullRequest,
): Promise<{ mergedAt: string; mergedAtSource: MergeTimeSource }> {
  const activity = await getPullRequestActivity(client, target, MERGE_ACTIVITY_PAGES);
  const merges = activity.values
    .map((entry) => (entry.update?.state === 'MERGED' ? instantMs(entry.update.date) : Number.NaN))
    .filter((at) => !Number.isNaN(at));
  if (merges.length > 0) return { mergedAt: new Date(Math.max(...merges)).toISOString(), mergedAtSource: 'activity' };
  return { mergedAt: requireInstant(pr.updated_on, 'updated_on'), mergedAtSource: 'updated_on' };
}

/**
 * The pull request with its merge commit's full hash: Bitbucket abbreviates `merge_commit.hash`, and an auditor
 * matching evidence to `git log` needs the whole one. `known` holds hashes already resolved from the branch's
 * commit list; otherwise one request reads it. A commit Bitbucket no longer finds (404) keeps its abbreviation.
 */
export async function withFullMergeCommit(
  client: AppContext['client'],
  target: { workspaceUuid: string; repositoryUuid: string; known?: ReadonlyMap<string, string> },
  pr: PullRequest,
): Promise<PullRequest> {
  const hash = pr.merge_commit?.hash;
  if (!hash || hash.length === 40) return pr;
  const known = target.known?.get(hash);
  if (known) return { ...pr, merge_commit: { hash: known } };
  try {
    return { ...pr, merge_commit: { hash: await getFullCommitHash(client, target, hash) } };
  } catch (error) {
    if (error instanceof BitbucketError && error.status === 404) return pr;
    throw error;
  }
}

/** Commit-list pages read to resolve a backfill's merge commits: 100 commits a page. */
const MERGE_COMMIT_PAGES = 5;

export function evidenceRecord(
  source: MergeSource,
  entry: { mergedAt: string; mergedAtSource: MergeTimeSource; origin: EvidenceRecord['origin']; recordedAt: Date },
): EvidenceRecord {
  const { repository, pr, statuses } = source;
  const mergedAt = requireInstant(entry.mergedAt, 'mergedAt');
  const change = mergedChangeOf(pr, statuses, mergedAt);
  return {
    repositoryUuid: unwrapUuid(repository.uuid),
    repositorySlug: repository.slug,
    pullRequestId: change.id,
    title: change.title,
    author: change.author,
    approvers: change.approvers,
    builds: change.builds,
    destination: change.destination,
    source: change.source,
    mergeCommit: change.mergeCommit,
    mergedAt,
    mergedAtSource: entry.mergedAtSource,
    mergedBy: pr.closed_by ? { accountId: pr.closed_by.account_id ?? null, name: pr.closed_by.display_name ?? null } : null,
    url: pr.links?.html?.href ?? null,
    independentlyApproved: independentlyApproved(change),
    passingBuild: hadPassingBuild(change),
    recordedAt: entry.recordedAt.toISOString(),
    origin: entry.origin,
  };
}

/** The change a ledger record holds, as BB-PR-1 and BB-PR-2 evaluate it. */
export function mergedChangeOfRecord(record: EvidenceRecord): MergedChange {
  const { pullRequestId, title, author, approvers, builds, mergeCommit, destination, source, mergedAt } = record;
  return { id: pullRequestId, title, author, approvers, builds, mergeCommit, destination, source, mergedAt };
}

/** A `fulfilled` event: two requests (the pull request and its statuses), one record, idempotent. */
export async function recordMergedPullRequest(
  ctx: Omit<AppContext, 'policy'>,
  merge: { repository: { uuid: string; slug: string }; id: number; mergedAt: string; origin: EvidenceRecord['origin'] },
): Promise<{
  written: boolean;
  record: EvidenceRecord | null;
  /** The pull request as read and the policy it was judged by (delivery metrics join the same read). */
  read: { pr: PullRequest; protectedDestination: boolean; policy: Policy } | null;
}> {
  const { client, store, workspaceUuid, now } = ctx;
  const { repository, id, mergedAt, origin } = merge;
  const existing = await store.getEvidence(repository.uuid, id);
  if (existing) {
    await store.ensureEvidenceKept(existing);
    return { written: false, record: null, read: null };
  }
  const pr = await getPullRequest(client, workspaceUuid, repository.uuid, id);
  if (pr.state !== 'MERGED') return { written: false, record: null, read: null };
  // The ledger holds what the policy protects (the main branch, or the policy's branches), as the backfill
  // does: a merge into a feature branch is not a change to production.
  const policy = await store.getPolicy();
  const mainBranch = policy.protectedBranches === null ? await mainBranchOf(client, store, workspaceUuid, repository.uuid) : null;
  if (!isProtectedBranch(pr.destination.branch?.name, mainBranch, policy))
    return { written: false, record: null, read: { pr, protectedDestination: false, policy } };
  const statuses = await getPullRequestStatuses(client, workspaceUuid, repository.uuid, id);
  const merged = await withFullMergeCommit(client, { workspaceUuid, repositoryUuid: repository.uuid }, pr);
  const record = evidenceRecord({ repository, pr: merged, statuses }, { mergedAt, mergedAtSource: 'event', origin, recordedAt: now });
  return { written: await store.putEvidence(record), record, read: { pr, protectedDestination: true, policy } };
}

/** What bringing one repository's ledger up to date did, and the watermarks it leaves. */
export interface LedgerUpdate {
  /** The listing was cut short: the ledger is not known to be complete, and the watermarks did not move. */
  truncated: boolean;
  ledgerFrom: string | null;
  ledgerCheckedAt: string | null;
  /** A backfill that stopped part way (the request budget), and where it goes on; null otherwise. */
  backfill: { from: string; through: string } | null;
  recorded: number;
}

/** An update, and the repository's merged changes in the review window. */
export interface LedgerRead extends LedgerUpdate {
  merged: MergedChange[];
}

/** The repository whose ledger is being brought up to date, and its main branch. */
export interface LedgerTarget {
  record: RepositoryRecord;
  mainBranch: string;
}

/**
 * Records the listed pull requests the ledger lacks (statuses, merge time, full merge commit: three requests
 * each); a record the ledger already has gets its chain link and date index back if it lost them. In the
 * listing's order; stops at the first error and says how far it got (`done`: pull requests fully handled).
 */
export async function recordMissing(
  ctx: Omit<AppContext, 'policy'>,
  target: LedgerTarget & { prs: readonly PullRequest[]; origin: 'backfill' | 'reconcile'; stop?: () => boolean },
): Promise<{ recorded: number; done: number; error: unknown }> {
  const { client, store, workspaceUuid, now } = ctx;
  const { record, mainBranch, prs, origin } = target;
  const repositoryRef = { workspaceUuid, repositoryUuid: record.uuid };
  let recorded = 0;
  let done = 0;
  try {
    const missing: PullRequest[] = [];
    for (const pr of prs) {
      const existing = await store.getEvidence(record.uuid, pr.id);
      if (existing) await store.ensureEvidenceKept(existing);
      else missing.push(pr);
    }
    const abbreviations = missing.flatMap((pr) => (pr.merge_commit && pr.merge_commit.hash.length < 40 ? [pr.merge_commit.hash] : []));
    const known = await resolveOnBranch(client, { ...repositoryRef, branch: mainBranch }, { abbreviations, maxPages: MERGE_COMMIT_PAGES });
    for (const pr of prs) {
      // A backfill stops between pull requests when its evaluation's budget is nearly spent (`done` says where).
      if (target.stop?.() && missing.includes(pr)) return { recorded, done, error: null };
      if (missing.includes(pr)) {
        const statuses = await getPullRequestStatuses(client, workspaceUuid, record.uuid, pr.id);
        const merge = await mergeTimeOf(client, { ...repositoryRef, id: pr.id }, pr);
        const merged = await withFullMergeCommit(client, { ...repositoryRef, known }, pr);
        const source = { repository: { uuid: record.uuid, slug: record.slug }, pr: merged, statuses };
        if (await store.putEvidence(evidenceRecord(source, { ...merge, origin, recordedAt: now }))) recorded++;
      }
      done++;
    }
    return { recorded, done, error: null };
  } catch (error) {
    return { recorded, done, error };
  }
}

/**
 * Brings one repository's ledger up to date from `from` to now. When the ledger already holds everything
 * merged since `from`, only what was updated since the last check is listed, with an hour of overlap;
 * otherwise a backfill reads everything updated since `from`, oldest first, over as many evaluations as it
 * takes (services/ledger-backfill.ts).
 */
export async function updateLedger(ctx: Omit<AppContext, 'policy'>, target: LedgerTarget & { from: Date }): Promise<LedgerUpdate> {
  const { client, workspaceUuid, now } = ctx;
  const { record, mainBranch, from } = target;
  const checkedAt = record.ledgerCheckedAt;
  const covered = record.ledgerFrom !== null && checkedAt !== null && Date.parse(record.ledgerFrom) <= from.getTime();
  if (!covered) return backfillLedger(ctx, target);
  const listFrom = new Date(Math.max(from.getTime(), Date.parse(checkedAt) - 3_600_000));
  const repositoryRef = { workspaceUuid, repositoryUuid: record.uuid };
  const listing = await listMergedPullRequestsSince(client, repositoryRef, { branch: mainBranch, since: listFrom });
  const { recorded, error } = await recordMissing(ctx, { record, mainBranch, prs: listing.values, origin: 'reconcile' });
  if (error) throw error;
  // A listing cut short must be read again from the same point: the watermarks only move when it is complete.
  if (listing.truncated) return { truncated: true, ledgerFrom: record.ledgerFrom, ledgerCheckedAt: checkedAt, backfill: null, recorded };
  return { truncated: false, ledgerFrom: record.ledgerFrom, ledgerCheckedAt: now.toISOString(), backfill: null, recorded };
}

/**
 * Brings the ledger up to date for one repository and returns its merged pull requests in the review window
 * (the first time, the whole window is listed: a backfill).
 */
export async function readLedger(ctx: AppContext, record: RepositoryRecord, mainBranch: string): Promise<LedgerRead> {
  const { store, policy, now } = ctx;
  const windowStart = new Date(now.getTime() - policy.reviewWindowDays * 86_400_000);
  const update = await updateLedger(ctx, { record, mainBranch, from: windowStart });
  const inWindow = (await store.listEvidenceForRepository(record.uuid)).filter(
    (evidence) => evidence.destination === mainBranch && Date.parse(evidence.mergedAt) >= windowStart.getTime(),
  );
  return { ...update, merged: inWindow.map(mergedChangeOfRecord).sort((a, b) => a.id - b.id) };
}
