/**
 * The pull-request check model: like a control (src/controls/types.ts), a check is data plus one pure
 * function, here of the pull request as read, its statuses (or the error that stopped us reading them), when
 * its head arrived, and the policy. `PULL_REQUEST_CHECKS` in ./pull-request-checks.ts is the only registry.
 */
import type { BitbucketError } from '../bitbucket/errors';
import type { CommitReport, CommitStatus, PullRequest } from '../bitbucket/schemas';
import type { Outcome } from '../controls/outcome';
import type { Policy } from '../policy/policy';
import type { HeadArrival } from './head-arrival';

export type PullRequestCheckId = 'PR-APPROVED' | 'PR-BUILD' | 'PR-NO-CHANGES-REQUESTED' | 'PR-ISSUE-KEY' | 'PR-SECURITY';

export interface PullRequestCheck {
  id: PullRequestCheckId;
  title: string;
  outcome: Outcome;
  /** One short plain line: what holds, or what is missing. */
  message: string;
}

/** The Code Insights reports on the head commit, read only when the policy checks them (PR-SECURITY). */
export interface HeadCommitReports {
  reports: readonly CommitReport[];
  truncated: boolean;
}

/** What a check reads: `head` is when the head commit arrived (read when `needsHeadArrival`), or null. */
export interface PullRequestSubject {
  pr: PullRequest;
  statuses: readonly CommitStatus[] | BitbucketError;
  head: HeadArrival | null;
  /** null: not read (the policy does not check security reports on pull requests). */
  reports: HeadCommitReports | BitbucketError | null;
}

export type Verdict = Pick<PullRequestCheck, 'outcome' | 'message'>;

export interface PullRequestCheckDefinition {
  id: PullRequestCheckId;
  title: string;
  evaluate(subject: PullRequestSubject, policy: Policy): Verdict;
}

export const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
