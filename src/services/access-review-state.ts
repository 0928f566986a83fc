/**
 * What the access-review controls (BB-AC-3, BB-AC-4, BB-AC-5) read: the latest completed review's deploy keys and
 * decisions, and the follow-through of the completed reviews' revoke decisions. Read from the app's own storage
 * (one index read, the latest review's items and decisions, one follow-through per completed review, the last 8).
 */
import type { AccessReviewState, ReviewedAccess } from '../controls/types';
import type { Store } from '../store/store';
import type { AccessItem } from './access-snapshot';

/** Completed reviews whose follow-through is read: older ones' open items show in the newer ones' snapshots. */
const FOLLOWED_REVIEWS = 8;

export function reviewedAccess(item: AccessItem): ReviewedAccess {
  return { name: item.subject.name, kind: item.kind, target: item.target.name, addedOn: item.addedOn };
}

export async function accessReviewState(store: Store): Promise<AccessReviewState> {
  const index = await store.getReviewIndex();
  const completed = index.reviews.filter((review) => review.state === 'completed' && review.completedAt !== null);
  const newest = completed.sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? '')).at(-1);
  const review = newest ? await store.getReview(newest.id) : undefined;
  let latest: AccessReviewState['latest'] = null;
  if (review && review.completedAt) {
    const [items, decisions] = await Promise.all([store.getItems(review), store.getDecisions(review.id)]);
    const deployKeys = items
      .filter((item) => item.kind === 'deploy-key')
      .flatMap((item) => {
        const decision = decisions.get(item.id);
        return decision ? [{ access: reviewedAccess(item), decision: decision.decision, reason: decision.reason }] : [];
      });
    latest = { id: review.id, completedAt: review.completedAt, deployKeys };
  }
  const followUps: AccessReviewState['followUps'] = [];
  for (const entry of completed.slice(-FOLLOWED_REVIEWS)) {
    const follow = await store.getFollowThrough(entry.id);
    for (const item of follow?.items ?? [])
      followUps.push({
        reviewId: entry.id,
        access: reviewedAccess(item.item),
        decidedAt: item.decidedAt,
        goneAt: item.goneAt,
        checkedAt: item.checkedAt,
      });
  }
  return { latest, followUps };
}
