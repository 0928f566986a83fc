/**
 * BB-AC-3 — Revoked access is gone. Every revoke (or change) decision of a completed access review is carried out
 * within `policy.revokeGraceDays`: a later read of the same target no longer finds the access (the follow-through
 * job reads only the targets of open decisions). Reads the app's own review records: no Bitbucket request.
 */
import type { AccessReviewState } from './types';
import { fail, need, notApplicable, notEvaluable, pass, type WorkspaceControl } from './types';

const DAY = 86_400_000;
const named = (items: AccessReviewState['followUps']) => items.map((item) => `${item.access.name} on ${item.access.target}`).join(', ');

export const revokedAccessIsGone: WorkspaceControl<'accessReviews'> = {
  id: 'BB-AC-3',
  title: 'Revoked access is gone',
  severity: 'high',
  scope: 'workspace',
  needs: ['accessReviews'],
  rationale:
    'A review that decides to revoke access and leaves it in place is worse than none: auditors test that revocations were carried out.',
  remediation: {
    summary: 'Carry out the revoke decisions of the last access review.',
    steps: [
      'Open the Attest dashboard → Access reviews, and the completed review: its open items list each access still in place.',
      'Remove each grant, membership or deploy key in Bitbucket (Repository, Project or Workspace settings).',
      'Attest reads those targets again daily; each item closes once the access is gone.',
    ],
  },
  frameworks: { soc2: ['CC6.2', 'CC6.3'], iso27001: ['5.18'], cis: [] },
  docs: 'https://support.atlassian.com/bitbucket-cloud/docs/grant-access-to-a-workspace/',
  evaluate(data, { policy, now }) {
    const state = need('accessReviews', data.accessReviews);
    if (state.latest === null) return notApplicable('No access review has been completed: “Access was reviewed recently” covers that.', {});
    const open = state.followUps.filter((item) => item.goneAt === null);
    const late = open.filter((item) => now.getTime() - Date.parse(item.decidedAt) > policy.revokeGraceDays * DAY);
    const evidence = {
      decided: state.followUps.length,
      open: open.length,
      late: late.map((item) => ({ ...item.access, decidedAt: item.decidedAt })),
    };
    const unread = late.filter((item) => item.checkedAt === null);
    const stillThere = late.filter((item) => item.checkedAt !== null);
    if (stillThere.length > 0)
      return fail(`Still in place ${policy.revokeGraceDays} days after the decision to revoke: ${named(stillThere)}.`, evidence);
    if (unread.length > 0) return notEvaluable(`Not read again since the decision to revoke: ${named(unread)}.`, evidence);
    if (state.followUps.length === 0) return pass('The last completed review revoked nothing.', evidence);
    return pass(
      open.length === 0
        ? `All ${state.followUps.length} revocations were carried out.`
        : `${state.followUps.length - open.length} of ${state.followUps.length} revocations carried out; the rest are within ${policy.revokeGraceDays} days.`,
      evidence,
    );
  },
};
