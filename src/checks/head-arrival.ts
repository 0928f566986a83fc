/**
 * When the pull request's current head commit arrived, read from its activity log: an approval given before
 * the author pushed again approved other code. Bitbucket documents `participated_on` as "for approvers, the
 * time of their approval" (OpenAPI `participant`) and gives each `update` in the activity log its `date` and
 * source commit (OpenAPI, pull request activity examples), so the two compare directly. The log's order is not
 * documented: updates are sorted by date here, never taken by position.
 */
import type { PullRequestActivity } from '../bitbucket/schemas';
import { instantMs } from '../lib/instant';

export type HeadArrival =
  /** `exact`: the head arrived at `at`. Otherwise the log was cut short, and it arrived at `at` or earlier. */
  { kind: 'known'; at: number; exact: boolean } | { kind: 'unknown'; reason: string };

/** Bitbucket names commits by short hashes in the activity log and by full ones elsewhere. */
export function sameCommit(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x.length >= 7 && y.length >= 7 && (x.startsWith(y) || y.startsWith(x));
}

export function headArrival(log: { values: readonly PullRequestActivity[]; truncated: boolean }, head: string | undefined): HeadArrival {
  if (!head) return { kind: 'unknown', reason: 'the pull request names no source commit' };
  const updates = log.values
    .flatMap((entry) => {
      const hash = entry.update?.source?.commit?.hash;
      const at = entry.update ? instantMs(entry.update.date) : Number.NaN;
      return hash && !Number.isNaN(at) ? [{ hash, at }] : [];
    })
    .sort((a, b) => a.at - b.at);
  const matching = updates.filter((update) => sameCommit(update.hash, head));
  if (matching.length === 0) return { kind: 'unknown', reason: "Bitbucket's activity log does not show the latest push yet" };
  let lastOther = -1;
  updates.forEach((update, index) => {
    if (!sameCommit(update.hash, head)) lastOther = index;
  });
  if (lastOther === updates.length - 1)
    return { kind: 'unknown', reason: "the newest update in Bitbucket's activity log names another commit than the pull request" };
  const arrived = lastOther >= 0 ? updates[lastOther + 1] : matching[0];
  // With the whole log read, the head arrived at its first update after the last other commit. With the log cut
  // short and no other commit seen, an earlier push may be in the part not read: "at or before".
  return { kind: 'known', at: arrived?.at ?? Number.NaN, exact: lastOther >= 0 || !log.truncated };
}
