/**
 * `access-snapshot` jobs: read an access review's snapshot over as many deliveries as it takes. The first reads
 * the workspace part (roles, two-step verification, effective reach, projects in scope with their grants and keys);
 * each delivery then reads repositories in UUID order after the review's `progress.after`, one items chunk per
 * delivery, within Bitbucket's hour (a spent hour waits for room). The review's progress is written after each
 * chunk, so a redelivered job writes the same chunk again and goes on from there. When every repository is read,
 * the review opens for decisions.
 */
import { listRepositories } from '../../../bitbucket/api';
import { BitbucketError } from '../../../bitbucket/errors';
import { unwrapUuid } from '../../../lib/uuid';
import { inScope, repositoryPart, workspacePart, type AccessItem, type SnapshotGap } from '../../../services/access-snapshot';
import { ledgeredAppClient } from '../../../services/request-ledger';
import { enqueue } from '../../../services/scan-jobs';
import { ITEMS_PER_CHUNK, type AccessReview } from '../../../store/access-review-records';
import { retry, secondsUntilRoom, type JobContext, type JobOf, type JobResult } from './shared';

/** Of the consumer's 900 s, what one delivery spends before handing the rest to the next job. */
const DELIVERY_BUDGET_MS = 600_000;

export async function accessSnapshotJob(job: JobOf<'access-snapshot'>, { store, log, at }: JobContext): Promise<JobResult> {
  const review = await store.getReview(job.reviewId);
  // A review already open (or completed) was snapshotted by an earlier delivery: nothing to do.
  if (!review || review.state !== 'snapshotting') return;
  const client = await ledgeredAppClient(store, { kind: 'scan', chunk: 20, log });
  const scope = { workspaceUuid: job.workspaceUuid, projects: review.projects, now: at };
  const items: AccessItem[] = [];
  const gaps: SnapshotGap[] = [];
  let { after } = review.progress;
  try {
    if (review.progress.chunks === 0 && after === null) {
      const part = await workspacePart(client, scope);
      // The hour ran out inside the workspace part: read it again, whole, when there is room.
      if (part.gaps.some((gap) => gap.reason.startsWith('hour-spent'))) return await waitForRoom(job, client, at);
      items.push(...part.items);
      gaps.push(...part.gaps);
    }
    const listing = await listRepositories(client, job.workspaceUuid);
    if (listing.truncated) gaps.push({ what: 'repositories', reason: 'the list was cut short: more than Attest reads' });
    const remaining = inScope(listing.values, review.projects)
      .sort((a, b) => unwrapUuid(a.uuid).localeCompare(unwrapUuid(b.uuid)))
      .filter((repository) => after === null || unwrapUuid(repository.uuid) > after);
    const started = Date.now();
    let done = remaining.length === 0;
    for (const [i, repository] of remaining.entries()) {
      if (items.length >= ITEMS_PER_CHUNK || Date.now() - started > DELIVERY_BUDGET_MS) break;
      const part = await repositoryPart(client, { workspaceUuid: job.workspaceUuid, repository });
      // The hour ran out inside this repository: it is read again, whole, when there is room.
      if (part.gaps.some((gap) => gap.reason.startsWith('hour-spent'))) break;
      items.push(...part.items);
      gaps.push(...part.gaps);
      after = unwrapUuid(repository.uuid);
      done = i === remaining.length - 1;
    }
    await client.settle();
    const next = await saveChunk(store, review, { items, gaps, after, requests: client.budget.used });
    if (done) return await open(store, next, at, log);
    await enqueue([{ job, delayInSeconds: client.budget.roomAt === null ? 0 : secondsUntilRoom(client.budget.roomAt, at) }]);
  } catch (error) {
    if (error instanceof BitbucketError && error.kind === 'hour-spent') return await waitForRoom(job, client, at);
    await client.settle();
    if (error instanceof BitbucketError && error.kind === 'rate-limited') return retry(error.kind);
    throw error;
  }
}

/**
 * The hour's share is spent: the job waits for room as a new job, not a queue retry (retries run out, and a
 * review must not be left snapshotting forever). What was read before is kept in the review's progress.
 */
async function waitForRoom(
  job: JobOf<'access-snapshot'>,
  client: { settle(): Promise<void>; budget: { roomAt: number | null } },
  at: Date,
): Promise<void> {
  await client.settle();
  await enqueue([{ job: { ...job, cause: 'access-snapshot-waiting' }, delayInSeconds: secondsUntilRoom(client.budget.roomAt, at) }]);
}

async function saveChunk(
  store: JobContext['store'],
  review: AccessReview,
  read: { items: AccessItem[]; gaps: SnapshotGap[]; after: string | null; requests: number },
): Promise<AccessReview> {
  const n = review.progress.chunks;
  if (read.items.length > 0 || read.gaps.length > 0) await store.putItemsChunk(review.id, n, { items: read.items, gaps: read.gaps });
  const written = read.items.length > 0 || read.gaps.length > 0 ? 1 : 0;
  const next: AccessReview = {
    ...review,
    progress: {
      chunks: n + written,
      after: read.after,
      items: review.progress.items + read.items.length,
      requests: review.progress.requests + read.requests,
    },
  };
  await store.putReview(next);
  return next;
}

/** Every repository is read: the snapshot's summary is kept and the review opens for decisions. */
async function open(store: JobContext['store'], review: AccessReview, at: Date, log: JobContext['log']): Promise<void> {
  const items = await store.getItems(review);
  const gaps: SnapshotGap[] = [];
  for (let n = 0; n < review.progress.chunks; n++) gaps.push(...(await store.getItemsChunkGaps(review.id, n)));
  const repositories = new Set(items.filter((item) => item.target.scope === 'repository').map((item) => item.target.uuid)).size;
  const snapshot = {
    takenAt: at.toISOString(),
    items: items.length,
    chunks: review.progress.chunks,
    repositories,
    requests: review.progress.requests,
    gaps,
  };
  await store.putReview({ ...review, state: 'open', snapshot });
  log.info('Access snapshot taken', { review: review.id, items: items.length, gaps: gaps.length, requests: review.progress.requests });
}
