/**
 * One typed call per data need. Paths use the {}-wrapped workspace and repository UUIDs: Forge requires the
 * workspace UUID, not the slug (platform-facts §8). `fields=` asks only for what the schemas declare.
 */
import { route } from '@forge/api';
import type { BitbucketClient } from './client';
import { paginate, type Paginated } from './paginate';
import { CommitStatus, PullRequest, Repository } from './schemas';
import { wrapUuid } from '../lib/uuid';

const REPOSITORY_FIELDS =
  'uuid,slug,name,full_name,is_private,mainbranch.name,project.key,project.uuid,project.name,updated_on,links.html.href';

/** GET /2.0/repositories/{workspace}/{repo_slug} (read:repository). */
export function getRepository(client: BitbucketClient, workspaceUuid: string, repositoryUuid: string): Promise<Repository> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}?fields=${REPOSITORY_FIELDS}`),
    Repository,
  );
}

/** GET /2.0/repositories/{workspace} (read:repository), 100 per page, the endpoint's maximum. */
export function listRepositories(client: BitbucketClient, workspaceUuid: string, maxPages = 100): Promise<Paginated<Repository>> {
  const fields = REPOSITORY_FIELDS.split(',')
    .map((field) => `values.${field}`)
    .concat('next', 'size')
    .join(',');
  const workspace = wrapUuid(workspaceUuid);
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}?pagelen=100&sort=slug&fields=${fields}`),
    Repository,
    maxPages,
  );
}

/** GET …/pullrequests/{id} (read:pullrequest): the single pull request carries `participants`. */
export function getPullRequest(client: BitbucketClient, workspaceUuid: string, repositoryUuid: string, id: number): Promise<PullRequest> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  return client.getJson(
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/${id}`),
    PullRequest,
  );
}

/** GET …/pullrequests/{id}/statuses (read:pullrequest): statuses of the pull request's head commit. */
export async function getPullRequestStatuses(
  client: BitbucketClient,
  workspaceUuid: string,
  repositoryUuid: string,
  id: number,
): Promise<CommitStatus[]> {
  const [workspace, repository] = [wrapUuid(workspaceUuid), wrapUuid(repositoryUuid)];
  const page = await paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/pullrequests/${id}/statuses?pagelen=100`),
    CommitStatus,
    5,
  );
  return page.values;
}
