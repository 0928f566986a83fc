/**
 * Access reviews from the dashboard. Who may do what is decided by Bitbucket as the caller, never by the payload:
 * workspace administrators start, complete and export reviews and see all of them; a reviewer (a review's owner,
 * or the reviewer named for a project) sees the reviews they take part in and decides only the items assigned to
 * them; anyone else gets FORBIDDEN. Every decision is kept with who made it and when; a completed review is frozen
 * (its hash chained to the previous completed review's) and cannot be changed.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { listProjects } from '../../bitbucket/access-api';
import { now } from '../../lib/clock';
import { sha256Hex } from '../../lib/canonical';
import { AccessReviewDecide, AccessReviewRef, AccessReviewStart, AccessReviewExport, type ResolverAnswer } from '../../contract/resolvers';
import { isOverdue, needsReason, progressOf, reviewHash, reviewerFor, suggestionFor, unchangedSince } from '../../services/access-review';
import type { AccessItem } from '../../services/access-snapshot';
import { ledgeredAppClient } from '../../services/request-ledger';
import { enqueue } from '../../services/scan-jobs';
import type { AccessReview, Decision, FollowThrough } from '../../store/access-review-records';
import { createStore, type Store } from '../../store/store';
import { createLogger } from '../../lib/log';
import { asAdmin } from './admin-resolvers';
import { callerOf, type ResolverRequest } from './context';
import { failure, ok, parsePayload, type Envelope } from './envelope';
import { grantReviewDownload } from './evidence-download';
import { memberViewer } from './read-resolvers';

type Caller = { accountId: string; admin: boolean };

const takesPart = (review: AccessReview, accountId: string) =>
  review.owner === accountId || Object.values(review.reviewersByProject).includes(accountId);

async function callerOfReview(request: ResolverRequest): Promise<Caller | Envelope<never>> {
  const viewer = await memberViewer(request);
  if ('ok' in viewer) return viewer;
  return { accountId: viewer.accountId, admin: viewer.admin };
}

/** The review, when the caller may see it: administrators, its owner and its reviewers. */
async function visibleReview(store: Store, id: string, caller: Caller): Promise<AccessReview | Envelope<never>> {
  const review = await store.getReview(id);
  if (!review) return failure('NOT_FOUND', `No access review ${id}.`);
  if (!caller.admin && !takesPart(review, caller.accountId)) return failure('FORBIDDEN', 'You are not a reviewer of this access review.');
  return review;
}

/** The completed review before this one, with its items and decisions: what "unchanged" compares with. */
async function previousCompleted(store: Store, review: AccessReview) {
  const index = await store.getReviewIndex();
  const before = index.reviews.filter((entry) => entry.state === 'completed' && entry.startedAt < review.startedAt).at(-1);
  const previous = before ? await store.getReview(before.id) : undefined;
  if (!previous) return null;
  const [items, decisions] = await Promise.all([store.getItems(previous), store.getDecisions(previous.id)]);
  return { id: previous.id, items, decisions };
}

function summaryOf(review: AccessReview, counts: { items: number; decided: number; mine: number; hash: string | null }, at: Date) {
  return {
    id: review.id,
    state: review.state,
    projects: review.projects,
    dueOn: review.dueOn,
    startedAt: review.startedAt,
    startedBy: review.startedBy,
    owner: review.owner,
    overdue: isOverdue(review, at),
    items: counts.items,
    decided: counts.decided,
    mine: counts.mine,
    completedAt: review.completedAt,
    hash: counts.hash,
  };
}

/** The caller, and the review when the caller may see it (administrators, its owner and reviewers). */
/** The payload, parsed; the caller; and the review they may see (FORBIDDEN or NOT_FOUND otherwise). */
async function reviewFor<S extends z.ZodType<{ id: string }>>(
  request: ResolverRequest,
  schema: S,
): Promise<{ input: z.infer<S>; caller: Caller; store: Store; review: AccessReview } | Envelope<never>> {
  const parsed = parsePayload(schema, request.payload);
  if ('error' in parsed) return parsed.error;
  const input: z.infer<S> = parsed.data;
  const caller = await callerOfReview(request);
  if ('ok' in caller) return caller;
  const store = createStore();
  const review = await visibleReview(store, input.id, caller);
  if ('ok' in review) return review;
  return { input, caller, store, review };
}

export async function listAccessReviews(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/list'>>> {
  const caller = await callerOfReview(request);
  if ('ok' in caller) return caller;
  const store = createStore();
  const at = now();
  const index = await store.getReviewIndex();
  const reviews = [];
  for (const entry of [...index.reviews].reverse().slice(0, 20)) {
    const review = await store.getReview(entry.id);
    if (!review || (!caller.admin && !takesPart(review, caller.accountId))) continue;
    const [items, decisions] = await Promise.all([review.state === 'open' ? store.getItems(review) : [], store.getDecisions(review.id)]);
    const mine = items.filter((item) => !decisions.has(item.id) && reviewerFor(review, item) === caller.accountId).length;
    reviews.push(
      summaryOf(review, { items: review.snapshot?.items ?? review.progress.items, decided: decisions.size, mine, hash: entry.hash }, at),
    );
  }
  const people = await store.getPeople();
  const members = [...people].map(([accountId, name]) => ({ accountId, name })).sort((a, b) => a.name.localeCompare(b.name));
  return ok({ reviews, admin: caller.admin, members, projects: caller.admin ? await projectsOf(request) : [] });
}

/** The workspace's projects, for the form that starts a review (one request, as the app, within the hour's ledger). */
async function projectsOf(request: ResolverRequest): Promise<Array<{ key: string; name: string }>> {
  const { workspaceUuid } = callerOf(request);
  if (!workspaceUuid) return [];
  const store = createStore();
  const client = await ledgeredAppClient(store, { kind: 'interactive', chunk: 1, log: createLogger({ handler: 'access-review' }) });
  try {
    const listing = await listProjects(client, workspaceUuid);
    return listing.values.map((project) => ({ key: project.key, name: project.name ?? project.key }));
  } catch {
    return [];
  } finally {
    await client.settle();
  }
}

function itemView(
  item: AccessItem,
  context: {
    review: AccessReview;
    decision: Decision | undefined;
    unchanged: boolean;
    caller: Caller;
    policy: Parameters<typeof suggestionFor>[1];
  },
) {
  const { review, decision, caller } = context;
  const reviewer = reviewerFor(review, item);
  const suggestion = suggestionFor(item, context.policy);
  return {
    id: item.id,
    kind: item.kind,
    name: item.subject.name,
    accountId: item.subject.accountId,
    permission: item.permission,
    scope: item.target.scope,
    target: item.target.name,
    project: item.target.project,
    has2fa: item.has2fa,
    reach: item.reach,
    addedOn: item.addedOn,
    lastUsed: item.lastUsed,
    reviewer,
    suggestion: suggestion ? { decision: suggestion.decision, reason: suggestion.reason } : null,
    unchanged: context.unchanged,
    decision: decision
      ? {
          decision: decision.decision,
          reason: decision.reason,
          change: decision.change,
          decidedBy: decision.decidedBy,
          decidedAt: decision.decidedAt,
        }
      : null,
    canDecide: review.state === 'open' && reviewer === caller.accountId,
  };
}

export async function getAccessReview(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/get'>>> {
  const found = await reviewFor(request, AccessReviewRef);
  if ('ok' in found) return found;
  const { caller, store, review } = found;
  const at = now();
  const [items, decisions, policy, previous, frozen, follow] = await Promise.all([
    store.getItems(review),
    store.getDecisions(review.id),
    store.getPolicy(),
    previousCompleted(store, review),
    store.getFrozen(review.id),
    store.getFollowThrough(review.id),
  ]);
  const unchanged = unchangedSince(items, previous);
  // A reviewer sees their own part; administrators and the review's owner see all of it.
  const everything = caller.admin || review.owner === caller.accountId;
  const shown = items.filter((item) => everything || reviewerFor(review, item) === caller.accountId);
  const progress = progressOf(review, items, decisions);
  const mine = progress.openByReviewer[caller.accountId] ?? 0;
  return ok({
    review: summaryOf(review, { items: items.length, decided: progress.decided, mine, hash: frozen?.hash ?? null }, at),
    gaps: review.snapshot?.gaps ?? [],
    items: shown.map((item) =>
      itemView(item, { review, decision: decisions.get(item.id), unchanged: unchanged.has(item.id), caller, policy: { policy, now: at } }),
    ),
    byDecision: progress.byDecision,
    canComplete: caller.admin && review.state === 'open' && progress.decided === progress.items && review.snapshot !== null,
    followUps: (follow?.items ?? []).map((item) => ({
      name: item.item.subject.name,
      target: item.item.target.name,
      decidedAt: item.decidedAt,
      goneAt: item.goneAt,
    })),
  });
}

export async function startAccessReview(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/start'>>> {
  const admin = await asAdmin(request, 'Only workspace administrators can start an access review.');
  if ('ok' in admin) return admin;
  const input = parsePayload(AccessReviewStart, request.payload);
  if ('error' in input) return input.error;
  const at = now();
  if (Date.parse(`${input.data.dueOn}T23:59:59Z`) < at.getTime()) return failure('INVALID_INPUT', 'dueOn: must be today or later');
  const id = `ar-${sha256Hex(`${admin.workspaceUuid}:${at.toISOString()}:${randomBytes(16).toString('hex')}`).slice(0, 12)}`;
  const review: AccessReview = {
    id,
    projects: input.data.projects,
    dueOn: input.data.dueOn,
    startedBy: admin.accountId,
    startedAt: at.toISOString(),
    owner: input.data.owner,
    reviewersByProject: input.data.reviewersByProject,
    state: 'snapshotting',
    snapshot: null,
    progress: { chunks: 0, after: null, items: 0, requests: 0 },
    completedAt: null,
    completedBy: null,
  };
  const store = createStore();
  await store.createReview(review);
  await enqueue([{ job: { kind: 'access-snapshot', workspaceUuid: admin.workspaceUuid, reviewId: id, cause: 'access-review-start' } }]);
  return ok({ id, state: review.state });
}

/** A decision as kept, or the refusal naming the item: a decision needs its reason (and a change what it becomes). */
function decisionOf(
  input: { itemId: string; decision: Decision['decision']; reason?: string | undefined; change?: string | undefined },
  context: { item: AccessItem | undefined; review: AccessReview; caller: Caller; policy: Parameters<typeof suggestionFor>[1] },
): Decision | Envelope<never> {
  const { item, review, caller } = context;
  if (!item) return failure('INVALID_INPUT', `decisions: no item ${input.itemId} in this review`);
  if (reviewerFor(review, item) !== caller.accountId)
    return failure('FORBIDDEN', `${item.subject.name} on ${item.target.name} is assigned to another reviewer.`);
  const reason = input.reason && input.reason.length > 0 ? input.reason : null;
  if (needsReason(input.decision, suggestionFor(item, context.policy)) && reason === null)
    return failure('INVALID_INPUT', `decisions: a reason is needed to ${input.decision} ${item.subject.name} on ${item.target.name}`);
  const change = input.change && input.change.length > 0 ? input.change : null;
  if (input.decision === 'change' && change === null)
    return failure('INVALID_INPUT', `decisions: say what ${item.subject.name} on ${item.target.name} should change to`);
  return {
    itemId: item.id,
    decision: input.decision,
    reason,
    change,
    decidedBy: caller.accountId,
    decidedAt: context.policy.now.toISOString(),
    source: 'reviewer',
  };
}

export async function decideAccessReview(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/decide'>>> {
  const found = await reviewFor(request, AccessReviewDecide);
  if ('ok' in found) return found;
  const { input, caller, store, review } = found;
  if (review.state !== 'open')
    return failure(
      'INVALID_INPUT',
      review.state === 'completed' ? 'This review is completed: its decisions are frozen.' : 'The snapshot is still being read.',
    );
  const [items, policy] = await Promise.all([store.getItems(review), store.getPolicy()]);
  const byId = new Map(items.map((item) => [item.id, item]));
  const context = { review, caller, policy: { policy, now: now() } };
  // Every decision is checked before any is written: a refused one leaves the others unwritten too.
  const decisions: Decision[] = [];
  for (const entry of input.decisions) {
    const decision = decisionOf(entry, { ...context, item: byId.get(entry.itemId) });
    if ('ok' in decision) return decision;
    decisions.push(decision);
  }
  for (const decision of decisions) await store.putDecision(review.id, decision);
  return ok({ decided: decisions.length });
}

export async function keepUnchanged(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/keep-unchanged'>>> {
  const found = await reviewFor(request, AccessReviewRef);
  if ('ok' in found) return found;
  const { caller, store, review } = found;
  if (review.state !== 'open') return failure('INVALID_INPUT', 'Only an open review takes decisions.');
  const [items, decisions, policy, previous] = await Promise.all([
    store.getItems(review),
    store.getDecisions(review.id),
    store.getPolicy(),
    previousCompleted(store, review),
  ]);
  const at = now();
  const unchanged = unchangedSince(items, previous);
  // Only the caller's undecided items, unchanged since the last review, that no validity rule now flags.
  const keep = items.filter(
    (item) =>
      unchanged.has(item.id) &&
      !decisions.has(item.id) &&
      reviewerFor(review, item) === caller.accountId &&
      suggestionFor(item, { policy, now: at })?.decision !== 'revoke',
  );
  for (const item of keep)
    await store.putDecision(review.id, {
      itemId: item.id,
      decision: 'keep',
      reason: `unchanged since ${previous?.id ?? 'the last review'}`,
      change: null,
      decidedBy: caller.accountId,
      decidedAt: at.toISOString(),
      source: 'unchanged',
    });
  return ok({ decided: keep.length });
}

export async function completeAccessReview(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/complete'>>> {
  const admin = await asAdmin(request, 'Only workspace administrators can complete an access review.');
  if ('ok' in admin) return admin;
  const input = parsePayload(AccessReviewRef, request.payload);
  if ('error' in input) return input.error;
  const store = createStore();
  const review = await store.getReview(input.data.id);
  if (!review) return failure('NOT_FOUND', `No access review ${input.data.id}.`);
  if (review.state !== 'open')
    return failure(
      'INVALID_INPUT',
      review.state === 'completed' ? 'This review is already completed.' : 'The snapshot is still being read.',
    );
  const [items, decisions, index] = await Promise.all([store.getItems(review), store.getDecisions(review.id), store.getReviewIndex()]);
  const undecided = items.filter((item) => !decisions.has(item.id));
  if (undecided.length > 0)
    return failure('INVALID_INPUT', `${undecided.length} item${undecided.length === 1 ? '' : 's'} not decided yet.`);
  const at = now().toISOString();
  const completed: AccessReview = { ...review, state: 'completed', completedAt: at, completedBy: admin.accountId };
  const previousHash = index.reviews.filter((entry) => entry.state === 'completed' && entry.hash !== null).at(-1)?.hash ?? null;
  const hash = reviewHash(completed, items, decisions, previousHash);
  const counts = progressOf(completed, items, decisions).byDecision;
  const follow: FollowThrough = {
    reviewId: review.id,
    items: items.flatMap((item) => {
      const decision = decisions.get(item.id);
      return decision && decision.decision !== 'keep'
        ? [{ item, decision: decision.decision, decidedAt: decision.decidedAt, goneAt: null, checkedAt: null }]
        : [];
    }),
  };
  const frozen = { reviewId: review.id, completedAt: at, completedBy: admin.accountId, hash, previousHash, counts };
  if (!(await store.freeze(completed, frozen, follow))) return failure('INVALID_INPUT', 'This review is already completed.');
  return ok({ id: review.id, hash, completedAt: at });
}

export async function exportAccessReview(request: ResolverRequest): Promise<Envelope<ResolverAnswer<'access-review/export'>>> {
  const admin = await asAdmin(request, 'Only workspace administrators can export an access review.');
  if ('ok' in admin) return admin;
  const input = parsePayload(AccessReviewExport, request.payload);
  if ('error' in input) return input.error;
  const review = await createStore().getReview(input.data.id);
  if (!review) return failure('NOT_FOUND', `No access review ${input.data.id}.`);
  return grantReviewDownload(request, { reviewId: review.id, format: input.data.format });
}
