/** PR-ISSUE-KEY — the title or the source branch matches the policy's issue-key pattern (when one is set). */
import type { PullRequestCheckDefinition } from './types';

export const issueKey: PullRequestCheckDefinition = {
  id: 'PR-ISSUE-KEY',
  title: 'Title or source branch names an issue',
  evaluate({ pr }, policy) {
    if (policy.issueKeyPattern === null) return { outcome: 'not-applicable', message: 'no issue-key pattern is set in the policy' };
    const pattern = new RegExp(policy.issueKeyPattern);
    const candidates = [pr.title ?? '', pr.source.branch?.name ?? ''];
    if (candidates.some((text) => pattern.test(text))) return { outcome: 'pass', message: 'the title or source branch names an issue' };
    return { outcome: 'fail', message: 'name an issue in the title or the source branch' };
  },
};
