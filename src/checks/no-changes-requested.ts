/** PR-NO-CHANGES-REQUESTED — no reviewer's state is `changes_requested`. */
import type { PullRequestCheckDefinition } from './types';

export const noChangesRequested: PullRequestCheckDefinition = {
  id: 'PR-NO-CHANGES-REQUESTED',
  title: 'No reviewer requested changes',
  evaluate({ pr }) {
    const requesting = (pr.participants ?? []).filter((p) => p.state === 'changes_requested');
    if (requesting.length === 0) return { outcome: 'pass', message: 'no reviewer requested changes' };
    const names = requesting.map((p) => p.user?.display_name ?? 'a reviewer');
    return { outcome: 'fail', message: `changes requested by ${names.join(', ')}` };
  },
};
