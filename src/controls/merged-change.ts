/**
 * A change merged into a protected branch, as BB-PR-1, BB-PR-2 and the evidence ledger see it: who wrote it,
 * who approved it other than its author (and when), the newest build state per status key, where it went and
 * when. Built once from what Bitbucket answers (`mergedChangeOf`); a ledger record is one of these plus where
 * and how it was recorded, so the controls evaluate stored evidence and fresh reads alike without turning
 * either back into Bitbucket's wire shapes.
 */
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { newestStatusPerKey } from '../checks/build';
import { toInstant } from '../lib/instant';
import { independentApprovers } from './approvals';

export interface Person {
  accountId: string | null;
  name: string | null;
}

export interface MergedChange {
  id: number;
  title: string;
  author: Person;
  /** Approvals by anyone but the author, with the approver's `participated_on` (null when not reported). */
  approvers: Array<Person & { approvedAt: string | null }>;
  /** The newest status per key: what the build said last. */
  builds: Array<{ key: string; state: string; at: string | null }>;
  mergeCommit: string | null;
  destination: string | null;
  source: string | null;
  mergedAt: string | null;
}

/** A merged pull request as read, with its statuses and the time it was merged (as far as it is known). */
export function mergedChangeOf(pr: PullRequest, statuses: readonly CommitStatus[], mergedAt: string | null): MergedChange {
  return {
    id: pr.id,
    title: pr.title ?? '',
    author: { accountId: pr.author?.account_id ?? null, name: pr.author?.display_name ?? null },
    approvers: independentApprovers(pr.participants, pr.author).map((p) => ({
      accountId: p.user.account_id ?? null,
      name: p.user.display_name ?? null,
      approvedAt: toInstant(p.participated_on),
    })),
    builds: newestStatusPerKey(statuses).map((status) => ({
      key: status.key,
      state: status.state,
      at: toInstant(status.updated_on ?? status.created_on),
    })),
    mergeCommit: pr.merge_commit?.hash ?? null,
    destination: pr.destination.branch?.name ?? null,
    source: pr.source.branch?.name ?? null,
    mergedAt,
  };
}

/** At least one build, and the newest state of every status key SUCCESSFUL. */
export function hadPassingBuild(change: MergedChange): boolean {
  return change.builds.length > 0 && change.builds.every((build) => build.state === 'SUCCESSFUL');
}

export function independentlyApproved(change: MergedChange): boolean {
  return change.approvers.length > 0;
}
