/**
 * What an access review keeps in KVS, validated on every read like every other stored value:
 * - the review (`v1:ar:<id>`): who started it, its scope, due date, reviewers, state and the snapshot's summary;
 * - the snapshot's items in chunks of ITEMS_PER_CHUNK (`v1:ar:<id>:items:<n>`), so a large workspace's snapshot
 *   stays far below KVS's 240 KiB a value;
 * - one decision per item (`v1:ar:<id>:dec:<item>`): two reviewers deciding at once never overwrite each other;
 * - when completed, the frozen record (`v1:ar:<id>:frozen`): the hash of the snapshot and every decision, chained to
 *   the previous completed review's, and the revoke decisions still to be carried out (`v1:ar:<id>:follow`).
 */
import { z } from 'zod';
import { AccessItem, SnapshotGap } from '../services/access-snapshot';

export const ITEMS_PER_CHUNK = 150;

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date (YYYY-MM-DD)');
const AccountId = z.string().min(1).max(128);

export const ReviewState = z.enum(['snapshotting', 'open', 'completed']);

export const AccessReview = z.object({
  id: z.string().regex(/^ar-[0-9a-f]{12}$/),
  /** Project keys reviewed; null: the whole workspace. */
  projects: z.array(z.string()).nullable(),
  dueOn: IsoDate,
  startedBy: AccountId,
  startedAt: z.string(),
  /** The reviewer of items with no project of their own (the workspace's members), and of projects not named below. */
  owner: AccountId,
  reviewersByProject: z.record(z.string(), AccountId).default({}),
  state: ReviewState,
  snapshot: z
    .object({
      takenAt: z.string(),
      items: z.number().int(),
      chunks: z.number().int(),
      repositories: z.number().int(),
      requests: z.number().int(),
      gaps: z.array(SnapshotGap),
    })
    .nullable(),
  /** While snapshotting: the chunks written so far and the last repository read (UUID order). */
  progress: z.object({ chunks: z.number().int(), after: z.string().nullable(), items: z.number().int(), requests: z.number().int() }),
  completedAt: z.string().nullable().default(null),
  completedBy: AccountId.nullable().default(null),
});
export type AccessReview = z.infer<typeof AccessReview>;

export const ItemsChunk = z.object({ items: z.array(AccessItem), gaps: z.array(SnapshotGap).default([]) });

export const DecisionKind = z.enum(['keep', 'revoke', 'change']);

export const Decision = z.object({
  itemId: z.string(),
  decision: DecisionKind,
  /** Required for a revoke, a change, or keeping what a validity rule flagged. */
  reason: z.string().max(2000).nullable(),
  /** For `change`: what the access should become (e.g. "read instead of write"). */
  change: z.string().max(500).nullable(),
  decidedBy: AccountId,
  decidedAt: z.string(),
  /** How it was decided: by the reviewer, or kept in bulk as unchanged since the last completed review. */
  source: z.enum(['reviewer', 'unchanged']),
});
export type Decision = z.infer<typeof Decision>;

export const FrozenReview = z.object({
  reviewId: z.string(),
  completedAt: z.string(),
  completedBy: AccountId,
  /** sha-256 of the canonical JSON of the review, its items and its decisions. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  /** The previous completed review's hash: completed reviews form a chain. */
  previousHash: z.string().nullable(),
  counts: z.object({ keep: z.number().int(), revoke: z.number().int(), change: z.number().int() }),
});
export type FrozenReview = z.infer<typeof FrozenReview>;

/** A revoke (or change) decision to carry out: open until a later read shows the access gone. */
export const FollowItem = z.object({
  item: AccessItem,
  decision: DecisionKind,
  decidedAt: z.string(),
  /** When a read after the decision found the access gone; null while it is still there (or not yet checked). */
  goneAt: z.string().nullable(),
  checkedAt: z.string().nullable(),
});
export type FollowItem = z.infer<typeof FollowItem>;
export const FollowThrough = z.object({ reviewId: z.string(), items: z.array(FollowItem) });
export type FollowThrough = z.infer<typeof FollowThrough>;

/** The completed reviews, newest last: what BB-AC-4 reads, and the chain's head. */
export const ReviewIndex = z.object({
  reviews: z.array(
    z.object({
      id: z.string(),
      startedAt: z.string(),
      state: ReviewState,
      completedAt: z.string().nullable(),
      hash: z.string().nullable(),
    }),
  ),
});
export type ReviewIndex = z.infer<typeof ReviewIndex>;
