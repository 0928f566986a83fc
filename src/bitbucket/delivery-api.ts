/**
 * What delivery metrics read from Bitbucket beyond what the checks already read (docs/delivery-metrics.md): the
 * pull requests of the window (all states), the repository-wide activity log, a pull request's diffstat, and the
 * deployments. Scopes: read:pullrequest for the first three, read:pipeline for deployments (OpenAPI security).
 */
import { route } from '@forge/api';
import type { RepositoryRef } from './api';
import type { BitbucketClient } from './client';
import { paginate, type Paginated } from './paginate';
import { Deployment, Diffstat, PullRequest, PullRequestActivity } from './schemas';
import { instantMs } from '../lib/instant';
import { wrapUuid } from '../lib/uuid';

/** What the delivery metrics read, with the scope the OpenAPI document gives each (held to it by test/contract/openapi.test.ts). */
export const DELIVERY_ENDPOINTS: ReadonlyArray<{ path: string; scope: string }> = [
  { path: '/repositories/{workspace}/{repo_slug}/pullrequests', scope: 'read:pullrequest:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/pullrequests/activity', scope: 'read:pullrequest:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/pullrequests/{pull_request_id}/diffstat', scope: 'read:pullrequest:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/environments', scope: 'read:pipeline:bitbucket' },
  { path: '/repositories/{workspace}/{repo_slug}/deployments', scope: 'read:pipeline:bitbucket' },
];

function refOf(target: RepositoryRef): [string, string] {
  return [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
}

/**
 * GET …/pullrequests in every state, updated since `since`, newest first, 50 a page (the list's maximum) with
 * participants. `state` repeated is how the API takes several states (OpenAPI: "can be repeated").
 */
export function listPullRequestsUpdatedSince(
  client: BitbucketClient,
  target: RepositoryRef,
  window: { since: Date; maxPages: number },
): Promise<Paginated<PullRequest>> {
  const [workspace, repository] = refOf(target);
  const q = `updated_on >= ${window.since.toISOString()}`;
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/pullrequests?state=OPEN&state=MERGED&state=DECLINED&state=SUPERSEDED&q=${q}&sort=${'-updated_on'}&fields=${'+values.participants'}&pagelen=50`,
      ),
    PullRequest,
    { maxPages: window.maxPages },
  );
}

/**
 * GET …/pullrequests/activity: every pull request's log in one listing, newest first, 50 a page. Read back to
 * `since` (the page holding an older entry is the last); one listing instead of one per pull request.
 */
export function listRepositoryActivity(
  client: BitbucketClient,
  target: RepositoryRef,
  window: { since: Date; maxPages: number },
): Promise<Paginated<PullRequestActivity>> {
  const [workspace, repository] = refOf(target);
  const cutoff = window.since.getTime();
  const dateOf = (entry: PullRequestActivity) => instantMs(entry.update?.date ?? entry.approval?.date ?? entry.comment?.created_on);
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/activity?pagelen=50`),
    PullRequestActivity,
    { maxPages: window.maxPages, stopAfter: (entry) => dateOf(entry) < cutoff },
  );
}

/** GET …/pullrequests/{id}/diffstat: lines added and removed, 500 files a page; a diff over 2,000 files is cut short. */
export async function getPullRequestLines(
  client: BitbucketClient,
  target: RepositoryRef & { id: number },
): Promise<{ lines: number; truncated: boolean }> {
  const [workspace, repository] = refOf(target);
  const listing = await paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/${target.id}/diffstat?pagelen=500`),
    Diffstat,
    { maxPages: 4 },
  );
  const lines = listing.values.reduce((sum, entry) => sum + (entry.lines_added ?? 0) + (entry.lines_removed ?? 0), 0);
  return { lines, truncated: listing.truncated };
}

/** GET …/deployments (read:pipeline), 100 a page. The API documents no order or filter, so the whole list is read up to `maxPages`. */
export function listDeployments(client: BitbucketClient, target: RepositoryRef, maxPages: number): Promise<Paginated<Deployment>> {
  const [workspace, repository] = refOf(target);
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/deployments?pagelen=100`),
    Deployment,
    { maxPages },
  );
}
