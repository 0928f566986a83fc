/**
 * The change-management evidence ledger: one immutable record per pull request merged into the main
 * branch (who approved it other than the author, and when; the build state per status key; the merge
 * commit; whether it meets BB-PR-1 and BB-PR-2). Records come from `fulfilled` events, from the first
 * evaluation of each repository (backfilling the review window), and from reconciliation on later
 * evaluations, which lists recently merged pull requests and records any an event missed.
 */
import { getPullRequest, getPullRequestStatuses, listMergedPullRequestsSince } from '../bitbucket/api';
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { hadPassingBuild, independentlyApproved, mergedChangeOf, type MergedChange } from '../controls/merged-change';
import { requireInstant } from '../lib/instant';
import { unwrapUuid } from '../lib/uuid';
import { isProtectedBranch, mainBranchOf } from './pull-request-evaluation';
import type { EvidenceRecord, RepositoryRecord } from '../store/records';
import type { AppContext } from './context';

/** What a merge is recorded from: the pull request as read, its statuses, and where it was merged. */
export interface MergeSource {
  repository: { uuid: string; slug: string };
  pr: PullRequest;
  statuses: CommitStatus[];
}

export function evidenceRecord(
  source: MergeSource,
  entry: { mergedAt: string; origin: EvidenceRecord['origin']; recordedAt: Date },
): EvidenceRecord {
  const { repository, pr, statuses } = source;
  const change = mergedChangeOf(pr, statuses, requireInstant(entry.mergedAt, 'mergedAt'));
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
    mergedAt: requireInstant(entry.mergedAt, 'mergedAt'),
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
): Promise<{ written: boolean; record: EvidenceRecord | null }> {
  const { client, store, workspaceUuid, now } = ctx;
  const { repository, id, mergedAt, origin } = merge;
  if (await store.getEvidence(repository.uuid, id)) return { written: false, record: null };
  const pr = await getPullRequest(client, workspaceUuid, repository.uuid, id);
  if (pr.state !== 'MERGED') return { written: false, record: null };
  // The ledger holds what the policy protects (the main branch, or the policy's branches), as the backfill
  // does: a merge into a feature branch is not a change to production.
  const policy = await store.getPolicy();
  const mainBranch = policy.protectedBranches === null ? await mainBranchOf(client, store, workspaceUuid, repository.uuid) : null;
  if (!isProtectedBranch(pr.destination.branch?.name, mainBranch, policy)) return { written: false, record: null };
  const statuses = await getPullRequestStatuses(client, workspaceUuid, repository.uuid, id);
  const record = evidenceRecord({ repository, pr, statuses }, { mergedAt, origin, recordedAt: now });
  return { written: await store.putEvidence(record), record };
}

export interface LedgerRead {
  merged: MergedChange[];
  truncated: boolean;
  ledgerFrom: string | null;
  ledgerCheckedAt: string | null;
  recorded: number;
}

/**
 * Brings the ledger up to date for one repository and returns its merged pull requests in the review
 * window. The first time, the whole window is listed (backfill); afterwards only what was updated since
 * the last check, with an hour of overlap, and statuses are read only for pull requests the ledger lacks.
 */
export async function readLedger(ctx: AppContext, record: RepositoryRecord, mainBranch: string): Promise<LedgerRead> {
  const { client, store, workspaceUuid, policy, now } = ctx;
  const windowStart = new Date(now.getTime() - policy.reviewWindowDays * 86_400_000);
  const checkedAt = record.ledgerCheckedAt;
  const covered = record.ledgerFrom !== null && checkedAt !== null && Date.parse(record.ledgerFrom) <= windowStart.getTime();
  const listFrom = covered ? new Date(Math.max(windowStart.getTime(), Date.parse(checkedAt) - 3_600_000)) : windowStart;
  const listing = await listMergedPullRequestsSince(
    client,
    { workspaceUuid, repositoryUuid: record.uuid },
    { branch: mainBranch, since: listFrom },
  );
  let recorded = 0;
  for (const pr of listing.values) {
    if (await store.getEvidence(record.uuid, pr.id)) continue;
    const statuses = await getPullRequestStatuses(client, workspaceUuid, record.uuid, pr.id);
    const written = await store.putEvidence(
      evidenceRecord(
        { repository: { uuid: record.uuid, slug: record.slug }, pr, statuses },
        { mergedAt: pr.updated_on ?? now.toISOString(), origin: covered ? 'reconcile' : 'backfill', recordedAt: now },
      ),
    );
    if (written) recorded++;
  }
  const inWindow = (await store.listEvidenceForRepository(record.uuid)).filter(
    (evidence) => evidence.destination === mainBranch && Date.parse(evidence.mergedAt) >= windowStart.getTime(),
  );
  return {
    merged: inWindow.map(mergedChangeOfRecord).sort((a, b) => a.id - b.id),
    truncated: listing.truncated,
    // A listing cut short must be read again from the same point: the watermark only moves when complete.
    ledgerFrom: covered ? record.ledgerFrom : listing.truncated ? null : windowStart.toISOString(),
    ledgerCheckedAt: listing.truncated ? record.ledgerCheckedAt : now.toISOString(),
    recorded,
  };
}
