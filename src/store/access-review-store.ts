/**
 * Access reviews in KVS (./access-review-records.ts for the shapes). A review is started once (FAIL_IF_EXISTS on
 * its id); its items are written chunk by chunk as the snapshot job reads them (a chunk written again by a
 * redelivered job is the same chunk); each decision is its own key; completing writes the frozen record and the
 * follow-through once, and the index that lists the reviews.
 */
import { ForgeKvsAPIError, kvs } from '@forge/kvs';
import type { AccessItem } from '../services/access-snapshot';
import {
  AccessReview,
  Decision,
  FollowThrough,
  FrozenReview,
  ItemsChunk,
  ReviewIndex,
  type AccessReview as Review,
  type Decision as DecisionRecord,
} from './access-review-records';
import { read, readAll } from './kvs-read';

const key = {
  index: () => 'v1:ar-index',
  review: (id: string) => `v1:ar:${id}`,
  chunk: (id: string, n: number) => `v1:ar:${id}:items:${String(n).padStart(5, '0')}`,
  decision: (id: string, itemId: string) => `v1:ar:${id}:dec:${itemId}`,
  decisions: (id: string) => `v1:ar:${id}:dec:`,
  frozen: (id: string) => `v1:ar:${id}:frozen`,
  follow: (id: string) => `v1:ar:${id}:follow`,
};

async function putIndexEntry(review: Review, hash: string | null): Promise<void> {
  const index = (await read(key.index(), ReviewIndex)) ?? { reviews: [] };
  const entry = { id: review.id, startedAt: review.startedAt, state: review.state, completedAt: review.completedAt, hash };
  const reviews = [...index.reviews.filter((candidate) => candidate.id !== review.id), entry];
  await kvs.set(key.index(), { reviews: reviews.sort((a, b) => a.startedAt.localeCompare(b.startedAt)).slice(-200) });
}

export function accessReviewStore() {
  return {
    getReviewIndex: async () => (await read(key.index(), ReviewIndex)) ?? { reviews: [] },
    getReview: (id: string) => read(key.review(id), AccessReview),
    /** Creates the review; false when one with this id exists already (a request sent twice). */
    async createReview(review: Review): Promise<boolean> {
      try {
        await kvs.set(key.review(review.id), AccessReview.parse(review), { keyPolicy: 'FAIL_IF_EXISTS' });
      } catch (error) {
        if (error instanceof ForgeKvsAPIError) return false;
        throw error;
      }
      await putIndexEntry(review, null);
      return true;
    },
    async putReview(review: Review): Promise<void> {
      await kvs.set(key.review(review.id), AccessReview.parse(review));
      await putIndexEntry(review, null);
    },
    async putItemsChunk(
      id: string,
      n: number,
      chunk: { items: AccessItem[]; gaps: Array<{ what: string; reason: string }> },
    ): Promise<void> {
      await kvs.set(key.chunk(id, n), ItemsChunk.parse(chunk));
    },
    /** Every item of the review's snapshot, in the order the chunks were written. */
    async getItems(review: Review): Promise<AccessItem[]> {
      const chunks = review.snapshot?.chunks ?? review.progress.chunks;
      const items: AccessItem[] = [];
      for (let n = 0; n < chunks; n++) items.push(...((await read(key.chunk(review.id, n), ItemsChunk))?.items ?? []));
      return items;
    },
    async getItemsChunkGaps(id: string, n: number): Promise<Array<{ what: string; reason: string }>> {
      return (await read(key.chunk(id, n), ItemsChunk))?.gaps ?? [];
    },
    async putDecision(id: string, decision: DecisionRecord): Promise<void> {
      await kvs.set(key.decision(id, decision.itemId), Decision.parse(decision));
    },
    async getDecisions(id: string): Promise<Map<string, DecisionRecord>> {
      const entries = await readAll(key.decisions(id), Decision);
      return new Map(entries.map((entry) => [entry.value.itemId, entry.value]));
    },
    getFrozen: (id: string) => read(key.frozen(id), FrozenReview),
    /** Freezes a completed review once: the frozen record, the follow-through and the review's final state. */
    async freeze(review: Review, frozen: FrozenReview, follow: FollowThrough): Promise<boolean> {
      try {
        await kvs.set(key.frozen(review.id), FrozenReview.parse(frozen), { keyPolicy: 'FAIL_IF_EXISTS' });
      } catch (error) {
        if (error instanceof ForgeKvsAPIError) return false;
        throw error;
      }
      await kvs.set(key.follow(review.id), FollowThrough.parse(follow));
      await kvs.set(key.review(review.id), AccessReview.parse(review));
      await putIndexEntry(review, frozen.hash);
      return true;
    },
    getFollowThrough: (id: string) => read(key.follow(id), FollowThrough),
    putFollowThrough: (follow: FollowThrough) => kvs.set(key.follow(follow.reviewId), FollowThrough.parse(follow)),
  };
}
