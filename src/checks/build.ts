/**
 * PR-BUILD — the latest build passed: of the statuses reported for the pull request's source branch, the
 * newest per key is SUCCESSFUL, and there is at least one.
 */
import type { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus } from '../bitbucket/schemas';
import { instantMs } from '../lib/instant';
import type { PullRequestCheckDefinition } from './types';

function timestampOf(status: CommitStatus): number {
  const value = instantMs(status.updated_on ?? status.created_on);
  return Number.isNaN(value) ? 0 : value;
}

/** For each status key, the newest status (a newer status of the same key supersedes an older one). */
export function newestStatusPerKey(statuses: readonly CommitStatus[]): CommitStatus[] {
  const newest = new Map<string, CommitStatus>();
  for (const status of statuses) {
    const current = newest.get(status.key);
    if (!current || timestampOf(status) >= timestampOf(current)) newest.set(status.key, status);
  }
  return [...newest.values()].sort((a, b) => a.key.localeCompare(b.key));
}

const unread = (statuses: readonly CommitStatus[] | BitbucketError): statuses is BitbucketError => !Array.isArray(statuses);

const STATE_WORDS: Record<string, string> = { FAILED: 'failed', INPROGRESS: 'is still running', STOPPED: 'was stopped' };

export const build: PullRequestCheckDefinition = {
  id: 'PR-BUILD',
  title: 'The latest build passed',
  evaluate({ pr, statuses }) {
    if (unread(statuses)) return { outcome: 'not-evaluable', message: `build statuses could not be read: ${statuses.message}` };
    // A status counts for the pull request only when it was reported for its source branch
    // (docs/platform-facts.md §9: statuses are per commit; `refname` names the branch they were built for).
    const source = pr.source.branch?.name;
    const relevant = statuses.filter((status) => !status.refname || !source || status.refname === source);
    if (relevant.length === 0) return { outcome: 'fail', message: 'no build has reported on the latest commit' };
    const newest = newestStatusPerKey(relevant);
    const bad = newest.filter((status) => status.state !== 'SUCCESSFUL');
    if (bad.length === 0) return { outcome: 'pass', message: `${newest.length} build${newest.length === 1 ? '' : 's'} passed` };
    const words = bad.map((status) => `${status.name ?? status.key} ${STATE_WORDS[status.state] ?? status.state.toLowerCase()}`);
    return { outcome: 'fail', message: `the latest build did not pass: ${words.join(', ')}` };
  },
};
