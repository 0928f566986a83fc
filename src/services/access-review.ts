/**
 * The access review's rules, pure: who reviews an item, what the policy's access-validity rules suggest for it,
 * what counts as unchanged since the last completed review, the review's progress, the hash that freezes it, and
 * its export. The resolvers and the snapshot job (handlers/…) do the reading and writing.
 *
 * Access-validity rules (each suggests a decision with its reason; the reviewer decides):
 * - workspace owners must be on `policy.accessReviewAdmins` (when that list is set);
 * - a person on the offboarded list should have no access;
 * - production repositories and projects are reached through groups only (`policy.groupsOnlyOnProduction`);
 * - a deploy key older than `policy.maxDeployKeyAgeDays` needs re-approval.
 */
import { canonicalJson, sha256Hex } from '../lib/canonical';
import type { Policy } from '../policy/policy';
import { classify } from '../policy/resolve';
import type { AccessReview, Decision } from '../store/access-review-records';
import type { AccessItem } from './access-snapshot';

const DAY = 86_400_000;

export interface Suggestion {
  decision: 'keep' | 'revoke';
  rule: 'owners-on-admins-list' | 'offboarded' | 'groups-only-on-production' | 'deploy-key-age';
  reason: string;
}

/** Whether the item's target is production by the policy's classification (a project: any rule naming it). */
function isProduction(item: AccessItem, policy: Policy): boolean {
  const { target } = item;
  if (target.scope === 'workspace') return false;
  if (target.scope === 'project')
    return policy.classification.rules.some(
      (rule) => rule.project === target.project && rule.repository === undefined && rule.classification === 'production',
    );
  const slug = target.name.split('/').pop() ?? target.name;
  return classify(policy, { slug, uuid: target.uuid ?? '', projectKey: target.project ?? '' }) === 'production';
}

export function ageInDays(from: string | null, now: Date): number | null {
  if (from === null) return null;
  const at = Date.parse(from);
  return Number.isNaN(at) ? null : Math.floor((now.getTime() - at) / DAY);
}

/** What the policy's access-validity rules say of an item, or null when none applies. */
export function suggestionFor(item: AccessItem, context: { policy: Policy; now: Date }): Suggestion | null {
  const { policy, now } = context;
  const accountId = item.subject.accountId;
  const offboarded = accountId ? policy.offboarded?.find((person) => person.accountId === accountId) : undefined;
  if (offboarded) return { decision: 'revoke', rule: 'offboarded', reason: `offboarded on ${offboarded.offboardedOn}` };
  if (item.kind === 'member' && item.permission === 'owner' && policy.accessReviewAdmins.length > 0) {
    const listed = accountId !== null && policy.accessReviewAdmins.includes(accountId);
    return listed
      ? { decision: 'keep', rule: 'owners-on-admins-list', reason: 'on the administrators list' }
      : { decision: 'revoke', rule: 'owners-on-admins-list', reason: 'a workspace owner who is not on the administrators list' };
  }
  if (item.kind === 'user-grant' && policy.groupsOnlyOnProduction && isProduction(item, policy))
    return { decision: 'revoke', rule: 'groups-only-on-production', reason: 'a direct grant on production: grant it through a group' };
  if (item.kind === 'deploy-key') {
    const age = ageInDays(item.addedOn, now);
    if (age !== null && age > policy.maxDeployKeyAgeDays)
      return {
        decision: 'revoke',
        rule: 'deploy-key-age',
        reason: `added ${age} days ago (the policy re-approves after ${policy.maxDeployKeyAgeDays})`,
      };
  }
  return null;
}

/** Who decides an item: its project's reviewer, or the review's owner (workspace members, unassigned projects). */
export function reviewerFor(review: Pick<AccessReview, 'owner' | 'reviewersByProject'>, item: AccessItem): string {
  const project = item.target.project;
  return (project !== null ? review.reviewersByProject[project] : undefined) ?? review.owner;
}

/** Whether a decision needs a reason: every revoke and change, and a keep against a rule's revoke. */
export function needsReason(decision: Decision['decision'], suggestion: Suggestion | null): boolean {
  return decision !== 'keep' || suggestion?.decision === 'revoke';
}

/**
 * The items unchanged since the last completed review: the same access (same id, same permission) that was kept
 * then. A bulk "keep all unchanged" decides only these, and never one a validity rule now flags.
 */
export function unchangedSince(
  items: readonly AccessItem[],
  previous: { items: readonly AccessItem[]; decisions: ReadonlyMap<string, Decision> } | null,
): Set<string> {
  if (previous === null) return new Set();
  const before = new Map(previous.items.map((item) => [item.id, item]));
  return new Set(
    items
      .filter((item) => before.get(item.id)?.permission === item.permission && previous.decisions.get(item.id)?.decision === 'keep')
      .map((item) => item.id),
  );
}

export interface Progress {
  items: number;
  decided: number;
  byDecision: { keep: number; revoke: number; change: number };
  /** Items not decided yet, by reviewer. */
  openByReviewer: Record<string, number>;
}

export function progressOf(review: AccessReview, items: readonly AccessItem[], decisions: ReadonlyMap<string, Decision>): Progress {
  const progress: Progress = { items: items.length, decided: 0, byDecision: { keep: 0, revoke: 0, change: 0 }, openByReviewer: {} };
  for (const item of items) {
    const decision = decisions.get(item.id);
    if (decision) {
      progress.decided++;
      progress.byDecision[decision.decision]++;
    } else {
      const reviewer = reviewerFor(review, item);
      progress.openByReviewer[reviewer] = (progress.openByReviewer[reviewer] ?? 0) + 1;
    }
  }
  return progress;
}

/** Whether an open review is past its due date (the end of the due day, UTC). */
export function isOverdue(review: Pick<AccessReview, 'state' | 'dueOn'>, now: Date): boolean {
  return review.state !== 'completed' && now.getTime() > Date.parse(`${review.dueOn}T23:59:59.999Z`);
}

/** The hash that freezes a review: its record (without the snapshot job's progress), every item and decision. */
export function reviewHash(
  review: AccessReview,
  items: readonly AccessItem[],
  decisions: ReadonlyMap<string, Decision>,
  previousHash: string | null,
): string {
  const { progress: _progress, ...record } = review;
  const sorted = [...decisions.values()].sort((a, b) => a.itemId.localeCompare(b.itemId));
  return sha256Hex(canonicalJson({ review: record, items, decisions: sorted, previousHash }));
}

export interface ExportRow {
  item: AccessItem;
  reviewer: string;
  decision: Decision | null;
  suggestion: Suggestion | null;
}

const CSV_HEADER = [
  'kind',
  'subject',
  'account_id',
  'group',
  'key_id',
  'permission',
  'scope',
  'target',
  'project',
  'two_step',
  'added_on',
  'last_used',
  'suggestion',
  'reviewer',
  'decision',
  'reason',
  'change',
  'decided_by',
  'decided_at',
];

export function csvCell(value: string | number | boolean | null): string {
  const text = value === null ? '' : String(value);
  // A leading =, +, - or @ would be run as a formula by a spreadsheet (OWASP, "CSV Injection").
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function exportCsv(rows: readonly ExportRow[]): string {
  const lines = rows.map(({ item, reviewer, decision, suggestion }) =>
    [
      item.kind,
      item.subject.name,
      item.subject.accountId,
      item.subject.group,
      item.subject.keyId,
      item.permission,
      item.target.scope,
      item.target.name,
      item.target.project,
      item.has2fa,
      item.addedOn,
      item.lastUsed,
      suggestion ? `${suggestion.decision}: ${suggestion.reason}` : null,
      reviewer,
      decision?.decision ?? null,
      decision?.reason ?? null,
      decision?.change ?? null,
      decision?.decidedBy ?? null,
      decision?.decidedAt ?? null,
    ]
      .map(csvCell)
      .join(','),
  );
  return [CSV_HEADER.join(','), ...lines].join('\r\n') + '\r\n';
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A printable page: the review, its hash, and every item with its decision. */
export function exportHtml(review: AccessReview, rows: readonly ExportRow[], hash: string | null): string {
  const body = rows
    .map(
      ({ item, reviewer, decision }) =>
        `<tr><td>${escapeHtml(item.kind)}</td><td>${escapeHtml(item.subject.name)}</td><td>${escapeHtml(item.permission)}</td><td>${escapeHtml(item.target.name)}</td><td>${escapeHtml(reviewer)}</td><td>${escapeHtml(decision?.decision ?? 'undecided')}</td><td>${escapeHtml(decision?.reason ?? '')}</td><td>${escapeHtml(decision?.decidedAt ?? '')}</td></tr>`,
    )
    .join('\n');
  const scope = review.projects === null ? 'the whole workspace' : `projects ${review.projects.join(', ')}`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Access review ${escapeHtml(review.id)}</title></head><body>
<h1>Access review ${escapeHtml(review.id)}</h1>
<p>Scope: ${escapeHtml(scope)}. Started ${escapeHtml(review.startedAt)} by ${escapeHtml(review.startedBy)}; due ${escapeHtml(review.dueOn)}; ${review.completedAt ? `completed ${escapeHtml(review.completedAt)} by ${escapeHtml(review.completedBy ?? '')}` : 'not completed'}.</p>
<p>Snapshot taken ${escapeHtml(review.snapshot?.takenAt ?? '')}: ${rows.length} items.${hash ? ` Hash (sha-256): <code>${hash}</code>.` : ''}</p>
<table><thead><tr><th>kind</th><th>who or what</th><th>permission</th><th>on</th><th>reviewer</th><th>decision</th><th>reason</th><th>decided</th></tr></thead><tbody>
${body}
</tbody></table></body></html>
`;
}
