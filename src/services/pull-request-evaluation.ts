/**
 * Reads one pull request and its statuses (two Bitbucket requests), evaluates the pull-request checks and
 * stores them for the card. Shared by the merge check and the pull-request events.
 */
import { getPullRequest, getPullRequestActivity, getPullRequestStatuses, getRepository } from '../bitbucket/api';
import type { BitbucketClient } from '../bitbucket/client';
import { BitbucketError } from '../bitbucket/errors';
import type { CommitStatus, PullRequest } from '../bitbucket/schemas';
import { headArrival, type HeadArrival } from '../checks/head-arrival';
import { evaluatePullRequestChecks, needsHeadArrival, type HeadCommitReports, type PullRequestCheck } from '../checks/pull-request-checks';
import { listCommitReports } from '../bitbucket/code-insights';
import { globMatches } from '../lib/glob';
import { unwrapUuid } from '../lib/uuid';
import type { Policy } from '../policy/policy';
import type { PullRequestRecord } from '../store/records';
import type { Store } from '../store/store';
import type { AppContext } from './context';

export interface PullRequestEvaluation {
  pullRequest: PullRequest;
  protectedDestination: boolean;
  checks: PullRequestCheck[];
}

/** The main branch from the stored observation; one extra request only when the repository was never seen. */
export async function mainBranchOf(
  client: BitbucketClient,
  store: Store,
  workspaceUuid: string,
  repositoryUuid: string,
): Promise<string | null> {
  const stored = await store.getRepository(repositoryUuid);
  if (stored) return stored.mainBranch;
  const repository = await getRepository(client, workspaceUuid, repositoryUuid);
  // `null` is an empty repository; an answer without the field says nothing, and is not read as empty.
  if (repository.mainbranch === undefined)
    throw new BitbucketError(
      'malformed',
      `/2.0/repositories/{workspace}/${repositoryUuid}`,
      null,
      'the repository answer has no mainbranch field',
    );
  return repository.mainbranch?.name ?? null;
}

export function isProtectedBranch(branch: string | null | undefined, mainBranch: string | null, policy: Policy): boolean {
  if (!branch) return false;
  if (policy.protectedBranches === null) return mainBranch !== null && branch === mainBranch;
  return policy.protectedBranches.some((pattern) => globMatches(pattern, branch));
}

/** One pull request, read and checked: `ctx.now` is not used (the checks are about the pull request now). */
export async function evaluatePullRequest(
  ctx: Omit<AppContext, 'now'>,
  target: { repositoryUuid: string; id: number },
): Promise<PullRequestEvaluation> {
  const { client, store, policy, workspaceUuid } = ctx;
  const { repositoryUuid, id } = target;
  const pullRequest = await getPullRequest(client, workspaceUuid, repositoryUuid, id);
  let statuses: CommitStatus[] | BitbucketError;
  try {
    statuses = await getPullRequestStatuses(client, workspaceUuid, repositoryUuid, id);
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    statuses = error;
  }
  // A pull request whose destination branch Bitbucket does not name (absent, or null once the branch is
  // deleted, as recorded) cannot be told protected or not: an error, never "not protected".
  const destination = pullRequest.destination.branch?.name;
  if (!destination)
    throw new BitbucketError(
      'malformed',
      `/2.0/repositories/{workspace}/{repository}/pullrequests/${id}`,
      null,
      'the pull request names no destination branch',
    );
  const mainBranch = policy.protectedBranches === null ? await mainBranchOf(client, store, workspaceUuid, repositoryUuid) : null;
  const head = needsHeadArrival(pullRequest, policy) ? await readHeadArrival(client, { workspaceUuid, repositoryUuid, pullRequest }) : null;
  const reports = policy.checkPullRequestSecurityReports
    ? await readHeadReports(client, { workspaceUuid, repositoryUuid, pullRequest })
    : null;
  return {
    pullRequest,
    protectedDestination: isProtectedBranch(destination, mainBranch, policy),
    checks: evaluatePullRequestChecks(pullRequest, { statuses, head, reports }, policy),
  };
}

/** The Code Insights reports on the head commit (PR-SECURITY): one request; an error is the check's answer, not the evaluation's. */
async function readHeadReports(
  client: BitbucketClient,
  target: { workspaceUuid: string; repositoryUuid: string; pullRequest: PullRequest },
): Promise<HeadCommitReports | BitbucketError> {
  const commit = target.pullRequest.source.commit?.hash;
  const where = `/2.0/repositories/{workspace}/${target.repositoryUuid}/pullrequests/${target.pullRequest.id}`;
  if (!commit) return new BitbucketError('malformed', where, null, 'the pull request names no head commit');
  try {
    const listing = await listCommitReports(client, target, commit);
    return { reports: listing.values, truncated: listing.truncated };
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    return error;
  }
}

/**
 * When the head commit arrived, from up to two pages (100 entries) of the activity log: one more request in
 * the common case, read only when approvals would otherwise suffice. A longer log leaves the answer "at or
 * before", and an approval older than what was read is reported as unknown, never counted.
 */
async function readHeadArrival(
  client: BitbucketClient,
  target: { workspaceUuid: string; repositoryUuid: string; pullRequest: PullRequest },
): Promise<HeadArrival> {
  try {
    const log = await getPullRequestActivity(client, { ...target, id: target.pullRequest.id }, 2);
    return headArrival(log, target.pullRequest.source.commit?.hash);
  } catch (error) {
    if (!(error instanceof BitbucketError)) throw error;
    return { kind: 'unknown', reason: `the activity log could not be read (${error.message})` };
  }
}

export async function storePullRequestEvaluation(
  store: Store,
  evaluation: PullRequestEvaluation,
  stored: { repositoryUuid: string; evaluatedAt: Date; cause: string; insights?: PullRequestRecord['insights'] },
): Promise<boolean> {
  const pr = evaluation.pullRequest;
  const { evaluatedAt, cause } = stored;
  return store.putPullRequest({
    repositoryUuid: unwrapUuid(stored.repositoryUuid),
    id: pr.id,
    title: pr.title ?? '',
    state: pr.state,
    destination: pr.destination.branch?.name ?? null,
    headCommit: pr.source.commit?.hash ?? null,
    protectedDestination: evaluation.protectedDestination,
    checks: evaluation.checks,
    evaluatedAt: evaluatedAt.toISOString(),
    cause,
    insights: stored.insights ?? null,
  });
}
