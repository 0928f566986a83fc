/**
 * What Attest knows about one pull request's flow (docs/delivery-metrics.md): when it opened, who reviewed and
 * approved it and when, its last push, when it closed. Facts come from two places: the pull request Attest
 * already reads on every event (no extra request), and the repository's activity log read once at backfill.
 * `mergeFacts` joins two observations of the same pull request: commutative, associative and idempotent, so
 * events delivered twice, late or out of order leave the same fact (and so the same aggregates).
 */
import { z } from 'zod';
import type { PullRequest, PullRequestActivity } from '../bitbucket/schemas';
import { toInstant } from '../lib/instant';

const Stamp = z.object({ accountId: z.string(), at: z.string() });
export type Stamp = z.infer<typeof Stamp>;

export const FlowState = z.enum(['OPEN', 'MERGED', 'DECLINED', 'SUPERSEDED']);

export const PullRequestFlow = z.object({
  id: z.number().int().positive(),
  title: z.string(),
  author: z.string().nullable(),
  sourceBranch: z.string().nullable(),
  destination: z.string().nullable(),
  /** Merged into a branch the policy protects (the evidence ledger's population); null when not known. */
  protectedDestination: z.boolean().nullable(),
  state: FlowState,
  createdAt: z.string().nullable(),
  /** Merged or declined. */
  closedAt: z.string().nullable(),
  headCommit: z.string().nullable(),
  /** The latest push to the source branch (the opening counts as one); null when Attest cannot know it. */
  lastPushAt: z.string().nullable(),
  /** Each reviewer's first review (an approval or a comment), never the author's. */
  reviews: z.array(Stamp),
  /** Each approver's first approval, never the author's. */
  approvals: z.array(Stamp),
  /** Lines added plus removed (diffstat), read only when an approval came quickly; null when not read. */
  linesChanged: z.number().int().nonnegative().nullable(),
  /** Reviews read from the activity log (exact) rather than from participants' `participated_on` (an upper bound). */
  exact: z.boolean(),
  observedAt: z.string(),
});
export type PullRequestFlow = z.infer<typeof PullRequestFlow>;

const STATE_RANK: Record<z.infer<typeof FlowState>, number> = { OPEN: 0, SUPERSEDED: 1, DECLINED: 2, MERGED: 3 };

function minAt(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a <= b ? a : b;
}

/** Each account once, at its earliest time. */
function unionStamps(a: readonly Stamp[], b: readonly Stamp[]): Stamp[] {
  const first = new Map<string, string>();
  for (const stamp of [...a, ...b]) {
    const seen = first.get(stamp.accountId);
    if (seen === undefined || stamp.at < seen) first.set(stamp.accountId, stamp.at);
  }
  return [...first.entries()]
    .map(([accountId, at]) => ({ accountId, at }))
    .sort((x, y) => x.at.localeCompare(y.at) || x.accountId.localeCompare(y.accountId));
}

/** The later observation wins for descriptive fields; ties are broken by content, so the order of arguments never matters. */
function later(a: PullRequestFlow, b: PullRequestFlow): [PullRequestFlow, PullRequestFlow] {
  if (a.observedAt !== b.observedAt) return a.observedAt > b.observedAt ? [a, b] : [b, a];
  return JSON.stringify(a) >= JSON.stringify(b) ? [a, b] : [b, a];
}

/** The newer push and the head it brought; a push time unknown on one side is taken from the other. */
function lastPush(a: PullRequestFlow, b: PullRequestFlow): Pick<PullRequestFlow, 'lastPushAt' | 'headCommit'> {
  if (a.lastPushAt === null) return { lastPushAt: b.lastPushAt, headCommit: b.headCommit ?? a.headCommit };
  if (b.lastPushAt === null) return { lastPushAt: a.lastPushAt, headCommit: a.headCommit ?? b.headCommit };
  const [newer, older] =
    a.lastPushAt > b.lastPushAt || (a.lastPushAt === b.lastPushAt && (a.headCommit ?? '') >= (b.headCommit ?? '')) ? [a, b] : [b, a];
  return { lastPushAt: newer.lastPushAt, headCommit: newer.headCommit ?? older.headCommit };
}

export function mergeFacts(a: PullRequestFlow, b: PullRequestFlow): PullRequestFlow {
  const [newer, older] = later(a, b);
  const closed = STATE_RANK[a.state] >= STATE_RANK[b.state] ? a : b;
  const other = closed === a ? b : a;
  return {
    id: newer.id,
    title: newer.title || older.title,
    author: newer.author ?? older.author,
    sourceBranch: newer.sourceBranch ?? older.sourceBranch,
    destination: newer.destination ?? older.destination,
    protectedDestination: newer.protectedDestination ?? older.protectedDestination,
    state: STATE_RANK[a.state] === STATE_RANK[b.state] ? newer.state : closed.state,
    createdAt: minAt(a.createdAt, b.createdAt),
    // A merge time from the activity log (exact) beats the event's; otherwise the earliest one seen.
    closedAt: closedAtOf(closed, other),
    ...lastPush(a, b),
    reviews: unionStamps(a.reviews, b.reviews),
    approvals: unionStamps(a.approvals, b.approvals),
    linesChanged: newer.linesChanged ?? older.linesChanged,
    exact: a.exact || b.exact,
    observedAt: newer.observedAt,
  };
}

function closedAtOf(closed: PullRequestFlow, other: PullRequestFlow): string | null {
  if (closed.state === 'OPEN') return null;
  if (other.state !== closed.state) return closed.closedAt ?? other.closedAt;
  if (closed.exact !== other.exact) return (closed.exact ? closed.closedAt : other.closedAt) ?? minAt(closed.closedAt, other.closedAt);
  return minAt(closed.closedAt, other.closedAt);
}

function accountOf(account: { account_id?: string; uuid?: string } | null | undefined): string | null {
  return account?.account_id ?? account?.uuid ?? null;
}

const REVIEW_STATES = new Set(['approved', 'changes_requested']);

/**
 * A fact from the pull request as read for its checks (no extra request). A participant's `participated_on` is
 * their latest participation, so a review seen here is an upper bound of the first; an approval event is seen at
 * the approval itself. A new head since the previous fact is a push at `at`; with no previous fact the pushes
 * are known only when this is the opening (`opened`).
 */
export function factFromPullRequest(
  pr: PullRequest,
  observation: {
    at: Date;
    previous: PullRequestFlow | null;
    protectedDestination: boolean | null;
    opened: boolean;
    closedAt?: string | null;
  },
): PullRequestFlow {
  const { at, previous } = observation;
  const author = accountOf(pr.author);
  const createdAt = toInstant(pr.created_on);
  const head = pr.source.commit?.hash ?? null;
  const reviews: Stamp[] = [];
  const approvals: Stamp[] = [];
  for (const participant of pr.participants ?? []) {
    const who = accountOf(participant.user);
    const when = toInstant(participant.participated_on);
    if (who === null || who === author || when === null) continue;
    if (participant.approved || REVIEW_STATES.has(participant.state ?? '') || participant.role === 'PARTICIPANT')
      reviews.push({ accountId: who, at: when });
    if (participant.approved) approvals.push({ accountId: who, at: when });
  }
  let lastPushAt: string | null = null;
  if (previous?.headCommit && head && !sameCommit(previous.headCommit, head)) lastPushAt = at.toISOString();
  else if (previous) lastPushAt = previous.lastPushAt;
  else if (observation.opened) lastPushAt = createdAt;
  const state = FlowState.safeParse(pr.state);
  return {
    id: pr.id,
    title: pr.title ?? '',
    author,
    sourceBranch: pr.source.branch?.name ?? null,
    destination: pr.destination.branch?.name ?? null,
    protectedDestination: observation.protectedDestination,
    state: state.success ? state.data : 'OPEN',
    createdAt,
    closedAt: state.success && state.data !== 'OPEN' ? (observation.closedAt ?? toInstant(pr.updated_on)) : null,
    headCommit: head,
    lastPushAt,
    reviews: unionStamps(reviews, []),
    approvals: unionStamps(approvals, []),
    linesChanged: null,
    exact: false,
    observedAt: at.toISOString(),
  };
}

/**
 * A fact from the pull request and its activity-log entries (backfill: exact). Pushes are `update` entries whose
 * source commit differs from the one before; the opening is the first; a MERGED or DECLINED update closes it.
 */
export function factFromActivity(
  pr: PullRequest,
  entries: readonly PullRequestActivity[],
  observation: { at: Date; protectedDestination: boolean | null },
): PullRequestFlow {
  const author = accountOf(pr.author);
  const base = factFromPullRequest(
    { ...pr, participants: [] },
    { at: observation.at, previous: null, protectedDestination: observation.protectedDestination, opened: true },
  );
  const updates = entries
    .flatMap((entry) => {
      const date = toInstant(entry.update?.date);
      return entry.update && date
        ? [{ at: date, state: entry.update.state ?? 'OPEN', commit: entry.update.source?.commit?.hash ?? null }]
        : [];
    })
    .sort((a, b) => a.at.localeCompare(b.at));
  let lastPushAt = base.createdAt;
  let previousCommit: string | null = null;
  for (const update of updates) {
    if (update.state !== 'OPEN' || update.commit === null) continue;
    if (previousCommit !== null && !sameCommit(previousCommit, update.commit)) lastPushAt = update.at;
    previousCommit = update.commit;
  }
  const closing = updates.find((update) => update.state === base.state && update.state !== 'OPEN');
  const approvals: Stamp[] = [];
  const reviews: Stamp[] = [];
  for (const entry of entries) {
    const approver = accountOf(entry.approval?.user);
    const approvedAt = toInstant(entry.approval?.date);
    if (approver && approvedAt && approver !== author) approvals.push({ accountId: approver, at: approvedAt });
    const commenter = accountOf(entry.comment?.user);
    const commentedAt = toInstant(entry.comment?.created_on);
    if (commenter && commentedAt && commenter !== author) reviews.push({ accountId: commenter, at: commentedAt });
  }
  return {
    ...base,
    closedAt: closing?.at ?? base.closedAt,
    lastPushAt,
    reviews: unionStamps(reviews, approvals),
    approvals: unionStamps(approvals, []),
    exact: true,
  };
}

/** Bitbucket abbreviates hashes in some places: compare on the shorter one. */
export function sameCommit(a: string, b: string): boolean {
  const length = Math.min(a.length, b.length);
  return length >= 7 && a.slice(0, length).toLowerCase() === b.slice(0, length).toLowerCase();
}

/** Approvals given within `minutes` of the last push: the rubber-stamp candidates (diff size decides). */
export function quickApprovals(fact: PullRequestFlow, minutes: number): Stamp[] {
  if (fact.lastPushAt === null) return [];
  const push = Date.parse(fact.lastPushAt);
  return fact.approvals.filter((stamp) => {
    const gap = Date.parse(stamp.at) - push;
    return gap >= 0 && gap <= minutes * 60_000;
  });
}
